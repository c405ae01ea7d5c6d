"""The SDK contract: models, decorators, build_lambda_handler (formats.md §1.4)."""

from __future__ import annotations

import copy
import pickle

import pytest

from assay.errors import AssayError
from assay.processors import (
    MetricResult,
    PostprocessError,
    PostprocessingPayload,
    PostProcessor,
    PreprocessError,
    PreprocessingPayload,
    PreprocessingResponse,
    PreProcessor,
    ProcessorError,
    ProcessType,
    SDKProcessor,
    SDKProcessorError,
    build_lambda_handler,
    load_lambda_handler,
    postprocess,
    preprocess,
)

from .conftest import NOVA_FILE, load_json

PRE = {"process_type": "preprocess",
       "data": {"system": "You are a helpful assistant", "prompt": "What is 2+2?", "gold": "4"}}
POST = {"process_type": "postprocess",
        "data": {"prompt": "What is 2+2?", "inference_output": "2+2=4", "gold": "4"}}


@preprocess
def echo(event, context):
    return {"statusCode": 200, "body": dict(event["data"])}


@postprocess
def metrics(event, context):
    return {"statusCode": 200, "body": [{"metric": "accuracy", "value": 1.0},
                                        {"metric": "exact_match", "value": 1}]}


handler = build_lambda_handler(preprocessor=echo, postprocessor=metrics)


def test_documented_round_trip():
    assert handler(copy.deepcopy(PRE), None) == {"statusCode": 200, "body": PRE["data"]}
    out = handler(copy.deepcopy(POST), None)
    assert out == {"statusCode": 200, "body": [{"metric": "accuracy", "value": 1.0},
                                               {"metric": "exact_match", "value": 1}]}
    assert type(out["body"][1]["value"]) is int and type(out["body"][0]["value"]) is float


def test_sample_events_give_documented_responses(byom):
    nova = load_lambda_handler(str(NOVA_FILE))
    pre_event = load_json(byom / "preprocess_event.json")
    assert nova(pre_event, None) == {"statusCode": 200, "body": pre_event["data"]}
    post = nova(load_json(byom / "postprocess_event.json"), None)
    expected = load_json(byom / "postprocess_response.json")
    assert post == expected
    assert type(post["body"][0]["value"]) is float
    # the README's one-element-list form of data is accepted by validation too
    listed = load_json(byom / "postprocess_event.json")
    listed["data"] = [listed["data"]]
    PostprocessingPayload.model_validate(listed)


def test_decorators_return_processor_objects():
    assert isinstance(echo, PreProcessor) and isinstance(echo, SDKProcessor)
    assert isinstance(metrics, PostProcessor)
    assert echo.__name__ == "echo" and echo.func(PRE, None)["statusCode"] == 200
    assert not callable(echo)  # like the SDK: call .process or go through the handler


@pytest.mark.parametrize("deco", [preprocess, postprocess])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_two_parameter_check(deco, n):
    fn = {0: lambda: None, 1: lambda e: None, 3: lambda e, c, x: None}[n]
    fn.__name__ = f"f{n}"
    with pytest.raises(TypeError) as info:
        deco(fn)
    assert str(info.value) == (f"Function f{n} must have exactly 2 parameters "
                               f"(data, context), got {n}")


def test_unsupported_process_type_is_400():
    assert handler({"process_type": "evaluate", "data": {}}, None) == {
        "statusCode": 400, "body": {"error": "Unsupported process_type: evaluate"}}
    assert handler({"data": {}}, None)["body"] == {"error": "Unsupported process_type: None"}
    only_post = build_lambda_handler(postprocessor=metrics)
    assert only_post(copy.deepcopy(PRE), None) == {
        "statusCode": 400, "body": {"error": "Unsupported process_type: preprocess"}}
    assert build_lambda_handler()(POST, None)["statusCode"] == 400


def _with(event, path, value=None, *, drop=False):
    event = copy.deepcopy(event)
    target = event
    for key in path[:-1]:
        target = target[key]
    if drop:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return event


@pytest.mark.parametrize("event", [
    _with(PRE, ["data", "metadata"], '{"k": 1}'),     # extra key in data (why metadata is not sent)
    _with(PRE, ["extra"], 1),                         # extra key at the top
    _with(PRE, ["data", "gold"], drop=True),          # missing field
    _with(PRE, ["data", "prompt"], 7),                # wrong type
    _with(PRE, ["data"], drop=True),
])
def test_malformed_preprocess_events(event):
    with pytest.raises(PreprocessError) as info:
        handler(event, None)
    assert str(info.value).startswith("Validation failed: ")
    assert isinstance(info.value, SDKProcessorError)


@pytest.mark.parametrize("event", [
    _with(POST, ["data", "metadata"], "x"),
    _with(POST, ["data", "inference_output"], drop=True),
    _with(POST, ["data"], [POST["data"], POST["data"]]),
    _with(POST, ["data"], []),
])
def test_malformed_postprocess_events(event):
    with pytest.raises(PostprocessError) as info:
        handler(event, None)
    assert str(info.value).startswith("Validation failed: ")


def test_wrong_process_type_for_the_processor():
    with pytest.raises(PreprocessError, match="(?s)^Validation failed: .*process_type"):
        echo.process(dict(POST), None)
    with pytest.raises(PostprocessError, match="^Validation failed: "):
        metrics.process(dict(PRE), None)


def test_invalid_responses_and_user_exceptions():
    @preprocess
    def bad_status(event, context):
        return {"statusCode": 500, "body": event["data"]}

    @preprocess
    def extra_key(event, context):
        return {"statusCode": 200, "body": {**event["data"], "note": "x"}}

    @preprocess
    def boom(event, context):
        raise ValueError("Intentional failure")

    @postprocess
    def post_boom(event, context):
        raise RuntimeError("Post processing error")

    @postprocess
    def bad_value(event, context):
        return {"statusCode": 200, "body": [{"metric": "m", "value": "high"}]}

    with pytest.raises(PreprocessError, match="(?s)^Validation failed: .*statusCode must be 200"):
        bad_status.process(copy.deepcopy(PRE), None)
    with pytest.raises(PreprocessError, match="(?s)^Validation failed: .*note"):
        extra_key.process(copy.deepcopy(PRE), None)
    with pytest.raises(PreprocessError, match="^Preprocessing failed: Intentional failure$"):
        boom.process(copy.deepcopy(PRE), None)
    with pytest.raises(PostprocessError, match="^PostProcessor failed: Post processing error$"):
        post_boom.process(copy.deepcopy(POST), None)
    with pytest.raises(PostprocessError, match="^Validation failed: "):
        bad_value.process(copy.deepcopy(POST), None)


def test_models_match_the_spec():
    assert [p.value for p in ProcessType] == ["preprocess", "postprocess"]
    assert PreprocessingPayload.model_validate(
        {"process_type": "preprocess", "data": {"prompt": "p", "gold": "g"}}).data.system is None
    assert PreprocessingResponse.model_validate(
        {"statusCode": 200, "body": {"prompt": "p", "gold": "g"}}).model_dump() == {
        "statusCode": 200, "body": {"system": None, "prompt": "p", "gold": "g"}}
    for model in (PreprocessingPayload, MetricResult):
        assert model.model_config["extra"] == "forbid"
    with pytest.raises(ValueError):
        MetricResult(metric="m", value=1, unit="x")


def test_processor_error_is_an_assay_error_and_pickles():
    err = ProcessorError("postprocess", "statusCode 400: nope", raw="{...}")
    assert isinstance(err, AssayError) and str(err) == "postprocess: statusCode 400: nope"
    back = pickle.loads(pickle.dumps(err))
    assert (back.stage, back.message, back.raw) == ("postprocess", "statusCode 400: nope", "{...}")
    long = ProcessorError("preprocess", "m", raw="x" * 10_000)
    assert len(long.raw) < 5000 and long.raw.endswith("[truncated]")


def test_public_names():
    import assay.processors as pkg

    assert sorted(pkg.__all__) == pkg.__all__ == sorted(set(pkg.__all__))
    for name in pkg.__all__:
        assert getattr(pkg, name) is not None
    with pytest.raises(AttributeError):
        pkg.no_such_name  # noqa: B018
