"""``assay run --fail-under METRIC=VALUE [--gate ci]``: exit 5 on a failed gate, exit 2 for a
malformed gate before any model call, and an unknown metric named with the available ones."""

from __future__ import annotations

import pytest

from assay.cli.app import main
from tests.compare.mock_runs import gen_qa_data
from tests.conftest import write_recipe

pytestmark = pytest.mark.timeout(300)


def _run(tmp, capsys, *extra: str) -> tuple[int, str]:
    recipe = tmp / "recipe.yaml"
    if not recipe.exists():
        write_recipe(recipe)
        gen_qa_data(tmp)
    capsys.readouterr()
    code = main(["run", str(recipe), "--data", str(tmp / "data.jsonl"), "--output-dir",
                 str(tmp / "runs"), "--quiet", "--overwrite", *extra])
    return code, capsys.readouterr().err


def test_gate_fails_with_exit_5(tmp_path, capsys):
    code, err = _run(tmp_path, capsys, "-m", "mock/echo", "--fail-under", "em=0.5",
                     "--fail-under", "f1=0.1")
    assert code == 5
    assert err.strip().splitlines() == ["gate failed: em: value 0 < 0.5"]


def test_gate_passes(tmp_path, capsys):
    code, err = _run(tmp_path, capsys, "-m", "mock/oracle", "--fail-under", "em=1",
                     "--fail-under", "f1=0.99")
    assert code == 0 and "gate failed" not in err


def test_ci_gate_uses_the_lower_bound(tmp_path, capsys):
    # oracle: em = 1 on 30 rows; the Wilson lower bound is about 0.886
    assert _run(tmp_path, capsys, "-m", "mock/oracle", "--fail-under", "em=0.95")[0] == 0
    code, err = _run(tmp_path, capsys, "-m", "mock/oracle", "--fail-under", "em=0.95",
                     "--gate", "ci")
    assert code == 5 and "gate failed: em: lower 95% CI bound 0.88" in err


def test_malformed_gate_is_exit_2_before_any_model_call(tmp_path, capsys):
    log = tmp_path / "requests.log"
    code, err = _run(tmp_path, capsys, "-m", "mock/echo", "-M", f"request_log={log}",
                     "--fail-under", "em=high")
    assert code == 2 and "--fail-under" in err and "finite number" in err
    assert not log.exists() or log.read_text() == ""
    assert not (tmp_path / "runs" / "t" / "examples.jsonl").exists()


def test_unknown_gate_metric_names_the_available_ones(tmp_path, capsys):
    code, err = _run(tmp_path, capsys, "-m", "mock/echo", "--fail-under", "accuracy=0.5")
    assert code == 2
    assert "unknown metric 'accuracy'" in err and "em, qem, f1, f1_score_quasi" in err


def test_gate_takes_precedence_over_failed_examples(tmp_path, capsys):
    common = ("-m", "mock/oracle", "-M", "fail_every=10", "--max-failure-share", "0.5")
    assert _run(tmp_path, capsys, *common)[0] == 3
    assert _run(tmp_path, capsys, *common, "--fail-under", "em=0.5")[0] == 3
    code, err = _run(tmp_path, capsys, *common, "--fail-under", "em=1.5")
    assert code == 5 and "gate failed: em" in err
