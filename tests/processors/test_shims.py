"""Import shims: SDK-style imports run without the SDK; a real SDK package wins."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

from assay.processors import PreProcessor, SDKProcessorError, install_sdk_shims
from assay.processors.shims import SHIMMED_PACKAGES, is_shim, uninstall_sdk_shims

from ..conftest import env_for_subprocess

IMPORTS = """
from {root}.processors.decorators import preprocess, postprocess
from {root}.lambda_handler import build_lambda_handler
from {root}.processors.exceptions import ProcessorError, PreprocessError, PostprocessError
from {root}.model.models import (ProcessType, PreprocessingData, PreprocessingPayload,
    PreprocessingResponseBody, PreprocessingResponse, PostprocessingDataItem,
    PostprocessingPayload, MetricResult, PostprocessingResponse)
from {root}.processors.pre_processor import PreProcessor
from {root}.processors.post_processor import PostProcessor
from {root}.processors.processor import Processor
import {root}.processors.decorators as decorators_module
"""


def _forget(root: str) -> dict:
    saved = {n: m for n, m in sys.modules.items() if n.partition(".")[0] == root}
    for n in saved:
        del sys.modules[n]
    return saved


@pytest.mark.parametrize("root", SHIMMED_PACKAGES)
def test_every_documented_import_works(root):
    install_sdk_shims()
    ns: dict = {}
    exec(IMPORTS.format(root=root), ns)
    assert ns["PreProcessor"] is PreProcessor
    assert ns["ProcessorError"] is SDKProcessorError
    assert issubclass(ns["PreprocessError"], ns["ProcessorError"])
    assert is_shim(sys.modules[root]) and is_shim(ns["decorators_module"])
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"{root}.no_such_module")


def test_both_names_share_classes():
    install_sdk_shims()
    from llm_eval_kit.processors.exceptions import PreprocessError as A
    from nova_custom_evaluation_sdk.processors.exceptions import PreprocessError as B

    assert A is B


def test_install_is_idempotent():
    install_sdk_shims()
    install_sdk_shims()
    finders = [f for f in sys.meta_path if type(f).__name__ == "_SDKShimFinder"]
    assert len(finders) == 1 and sys.meta_path[-1] is finders[0]


def test_other_names_are_not_answered():
    install_sdk_shims()
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("nova_custom_evaluation_sdk_other")


def test_real_package_wins(tmp_path, monkeypatch):
    root = "nova_custom_evaluation_sdk"
    pkg = tmp_path / root
    (pkg / "processors").mkdir(parents=True)
    (pkg / "__init__.py").write_text("REAL = True\n")
    (pkg / "processors" / "__init__.py").write_text("")
    (pkg / "processors" / "decorators.py").write_text("def preprocess(f):\n    return 'real'\n")
    install_sdk_shims()
    saved = _forget(root)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        from nova_custom_evaluation_sdk.processors.decorators import preprocess

        assert preprocess(None) == "real"
        assert not is_shim(sys.modules[root])
        # a module the real package lacks is not filled in from the shims
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"{root}.lambda_handler")
    finally:
        _forget(root)
        sys.modules.update(saved)


def test_uninstall_forgets_shims():
    install_sdk_shims()
    importlib.import_module("llm_eval_kit.lambda_handler")
    uninstall_sdk_shims()
    try:
        assert "llm_eval_kit" not in sys.modules
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("llm_eval_kit")
    finally:
        install_sdk_shims()


def test_user_file_runs_in_a_fresh_interpreter(tmp_path):
    """Nothing but ``install_sdk_shims()`` is needed before user code imports the SDK."""
    script = textwrap.dedent("""
        from assay.processors import install_sdk_shims
        install_sdk_shims()
        from nova_custom_evaluation_sdk.processors.decorators import preprocess
        from nova_custom_evaluation_sdk.lambda_handler import build_lambda_handler

        @preprocess
        def pre(event, context):
            return {"statusCode": 200, "body": event["data"]}

        h = build_lambda_handler(preprocessor=pre)
        print(h({"process_type": "preprocess", "data": {"prompt": "p", "gold": "g"}}, None))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env_for_subprocess(), timeout=60, check=True)
    assert out.stdout.strip() == ("{'statusCode': 200, 'body': "
                                  "{'system': None, 'prompt': 'p', 'gold': 'g'}}")
