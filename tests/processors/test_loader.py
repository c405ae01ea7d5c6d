"""load_processor: a recipe's processor section → the right Processor."""

from __future__ import annotations

import anyio
import pytest

from assay.backends.retry import RetryPolicy
from assay.config.recipe import ProcessorSection
from assay.errors import ConfigError
from assay.processors import (
    HttpProcessor,
    LambdaProcessor,
    LocalProcessor,
    Processor,
    load_processor,
)

from .conftest import NOVA_FILE

ARN = "arn:aws:lambda:us-east-1:123456789012:function:metrics"
ON = {"enabled": True}


def section(**kw) -> ProcessorSection:
    return ProcessorSection(**kw)


def test_path_relative_to_base_dir():
    proc = load_processor(section(path=NOVA_FILE.name, preprocessing=ON, postprocessing=ON),
                          base_dir=NOVA_FILE.parent)
    assert isinstance(proc, LocalProcessor) and isinstance(proc, Processor)
    assert anyio.run(proc.postprocess, {"prompt": "p", "inference_output": "A",
                                        "gold": "a"}) == [
        {"metric": "inverted_accuracy_custom", "value": 0}]


def test_url_and_arn():
    policy = RetryPolicy(max_attempts=2)
    http = load_processor(section(url="http://127.0.0.1:9/fn", postprocessing=ON), retry=policy)
    assert isinstance(http, HttpProcessor) and http.retry is policy
    pytest.importorskip("boto3")
    lam = load_processor(section(lambda_arn=ARN, postprocessing=ON), retry=policy)
    assert isinstance(lam, LambdaProcessor) and lam.region == "us-east-1"
    assert lam.retry is policy and isinstance(lam, Processor)


def test_path_wins_over_the_nova_lambda_arn():
    proc = load_processor(section(lambda_arn=ARN, path=str(NOVA_FILE), postprocessing=ON))
    assert isinstance(proc, LocalProcessor)


def test_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="needs one of path, url or lambda_arn"):
        load_processor(section(postprocessing=ON))
    with pytest.raises(ConfigError) as info:
        load_processor(section(path=str(NOVA_FILE), lambda_type="rft"))
    assert info.value.field == "processor.lambda_type"
    only_post = tmp_path / "post_only.py"
    only_post.write_text(
        "from llm_eval_kit.processors.decorators import postprocess\n"
        "@postprocess\ndef p(event, context):\n    return {}\n")
    with pytest.raises(ConfigError, match="preprocessing is enabled"):
        load_processor(section(path="post_only.py", preprocessing=ON), base_dir=tmp_path)
    assert isinstance(load_processor(section(path="post_only.py", postprocessing=ON),
                                     base_dir=tmp_path), LocalProcessor)
    with pytest.raises(ConfigError):
        load_processor(section(url="file:///etc/passwd"))
