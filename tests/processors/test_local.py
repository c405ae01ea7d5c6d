"""In-process processors: lookup order, events as Nova builds them, failures as ProcessorError."""

from __future__ import annotations

import sys
import textwrap
import threading

import anyio
import pytest

from assay.errors import ConfigError
from assay.processors import LocalProcessor, ProcessorError, load_lambda_handler

from .conftest import KIT_FILE, NOVA_FILE, load_json

ROW = {"system": "Be brief.", "prompt": "What is 2+2?", "gold": "4"}
OUT = {"prompt": "What is 2+2?", "inference_output": "4", "gold": "4"}
HEADER = ("from nova_custom_evaluation_sdk.processors.decorators import preprocess, postprocess\n"
          "from nova_custom_evaluation_sdk.lambda_handler import build_lambda_handler\n")


def write(tmp_path, name, body, header=HEADER):
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def test_nova_file_on_the_sample_events(byom):
    proc = LocalProcessor.from_target(str(NOVA_FILE))
    pre = load_json(byom / "preprocess_event.json")["data"]
    post = load_json(byom / "postprocess_event.json")["data"]
    expected = load_json(byom / "postprocess_response.json")["body"]

    async def go():
        return await proc.preprocess(pre), await proc.postprocess(post)

    body, metrics = anyio.run(go)
    assert body == pre
    assert metrics == expected


def test_llm_eval_kit_file():
    proc = LocalProcessor.from_target(str(KIT_FILE))

    async def go():
        return (await proc.preprocess({"prompt": "  hi ", "gold": "Yes. "}),
                await proc.postprocess({"prompt": "hi", "gold": "yes",
                                        "inference_output": "<|begin|>Yes.<|end|>"}))

    body, metrics = anyio.run(go)
    assert body == {"system": "Answer briefly.", "prompt": "hi", "gold": "Yes."}
    assert metrics == [{"metric": "exact", "value": 1}, {"metric": "length_ratio", "value": 1.0}]


def test_event_is_built_like_nova(tmp_path):
    path = write(tmp_path, "spy.py", """
        SEEN = []
        def lambda_handler(event, context):
            SEEN.append((event, context))
            if event["process_type"] == "preprocess":
                return {"statusCode": 200, "body": event["data"]}
            return {"statusCode": 200, "body": [{"metric": "n", "value": 1}]}
    """, header="")
    handler = load_lambda_handler(str(path))
    seen = handler.__globals__["SEEN"]
    proc = LocalProcessor(handler)
    row = {"prompt": "q", "gold": "a", "metadata": '{"k": 1}', "system": None}

    async def go():
        return await proc.preprocess(row), await proc.postprocess(
            {"prompt": "q", "inference_output": "x", "gold": "a", "metadata": "m"})

    body, metrics = anyio.run(go)
    assert seen[0] == ({"process_type": "preprocess",
                        "data": {"system": None, "prompt": "q", "gold": "a"}}, None)
    assert seen[1] == ({"process_type": "postprocess",
                        "data": {"prompt": "q", "inference_output": "x", "gold": "a"}}, None)
    assert body == {"system": None, "prompt": "q", "gold": "a"}
    assert metrics == [{"metric": "n", "value": 1}]


def test_user_code_runs_in_a_worker_thread(tmp_path):
    path = write(tmp_path, "where.py", """
        import threading
        @postprocess
        def post(event, context):
            return {"statusCode": 200,
                    "body": [{"metric": "main", "value": int(threading.current_thread()
                                                             is threading.main_thread())}]}
    """)
    proc = LocalProcessor.from_target(str(path), stages=["postprocess"])
    assert threading.current_thread() is threading.main_thread()
    assert anyio.run(proc.postprocess, OUT) == [{"metric": "main", "value": 0}]


def test_lookup_order(tmp_path):
    both = write(tmp_path, "both.py", """
        @preprocess
        def pre(event, context):
            return {"statusCode": 200, "body": {**event["data"], "prompt": "from objects"}}

        def lambda_handler(event, context):
            return {"statusCode": 200, "body": {**event["data"], "prompt": "from handler"}}

        def other(event, context):
            return {"statusCode": 200, "body": {**event["data"], "prompt": "from other"}}
    """)
    def run(target):
        return anyio.run(LocalProcessor.from_target(target).preprocess, ROW)["prompt"]

    assert run(str(both)) == "from handler"             # lambda_handler before objects
    assert run(f"{both}:other") == "from other"         # an explicit attribute first
    assert run(f"{both}:pre") == "from objects"         # an explicit processor object
    objects = write(tmp_path, "objects.py", """
        @preprocess
        def my_pre(event, context):
            return {"statusCode": 200, "body": {**event["data"], "prompt": "scanned"}}

        @postprocess
        def my_post(event, context):
            return {"statusCode": 200, "body": [{"metric": "m", "value": 0.5}]}
    """)
    proc = LocalProcessor.from_target("objects.py", base_dir=tmp_path,
                                      stages=["preprocess", "postprocess"])
    assert anyio.run(proc.preprocess, ROW)["prompt"] == "scanned"
    assert anyio.run(proc.postprocess, OUT) == [{"metric": "m", "value": 0.5}]


def test_module_attribute_form_and_sibling_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    write(pkg, "metrics.py", """
        @postprocess
        def post(event, context):
            return {"statusCode": 200, "body": [{"metric": "m", "value": 2}]}
        lambda_handler = build_lambda_handler(postprocessor=post)
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        for target in ("mypkg.metrics", "mypkg.metrics:lambda_handler", "mypkg.metrics:post"):
            assert anyio.run(LocalProcessor.from_target(target).postprocess, OUT) == [
                {"metric": "m", "value": 2}]
    finally:
        for name in ("mypkg", "mypkg.metrics"):
            sys.modules.pop(name, None)
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "helper_for_assay_test.py").write_text("VALUE = 7\n")
    main = write(lib, "main.py", """
        from helper_for_assay_test import VALUE
        @postprocess
        def post(event, context):
            return {"statusCode": 200, "body": [{"metric": "v", "value": VALUE}]}
    """)
    try:
        assert anyio.run(LocalProcessor.from_target(str(main)).postprocess, OUT) == [
            {"metric": "v", "value": 7}]
        assert sys.path[-1] == str(lib)  # kept, last: lazy imports still work
    finally:
        sys.path.remove(str(lib))
        sys.modules.pop("helper_for_assay_test", None)


@pytest.mark.parametrize("body, stages, message", [
    ("x = 1\n", (), "defines no 'lambda_handler'"),
    ("def f(:\n", (), "SyntaxError"),
    ("import no_such_module_for_assay\n", (), "ModuleNotFoundError"),
    ("@postprocess\ndef p(e, c):\n    return {}\n", ["preprocess"], "preprocessing is enabled"),
    ("@postprocess\ndef a(e, c):\n    return {}\n@postprocess\ndef b(e, c):\n    return {}\n",
     (), "several @postprocess objects (a, b)"),
])
def test_load_errors(tmp_path, body, stages, message):
    path = write(tmp_path, "bad.py", body)
    with pytest.raises(ConfigError) as info:
        LocalProcessor.from_target(str(path), stages=stages)
    assert message in str(info.value) and info.value.field == "processor.path"


def test_missing_targets(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_lambda_handler("nope.py", base_dir=tmp_path)
    with pytest.raises(ConfigError, match="module 'no_such_pkg_for_assay' not found"):
        load_lambda_handler("no_such_pkg_for_assay")
    with pytest.raises(ConfigError, match="has no attribute 'missing'"):
        load_lambda_handler(f"{NOVA_FILE}:missing")


def test_failures_become_processor_errors(tmp_path):
    path = write(tmp_path, "fails.py", """
        @preprocess
        def pre(event, context):
            if event["data"]["prompt"] == "boom":
                raise ValueError("Intentional failure")
            return {"statusCode": 200, "body": {"prompt": event["data"]["prompt"]}}

        def raw(event, context):
            return {"statusCode": 200, "body": [{"metric": "m", "value": {1, 2}}]}
    """)
    proc = LocalProcessor.from_target(str(path))  # only a preprocessor: postprocess → 400
    with pytest.raises(ProcessorError) as info:
        anyio.run(proc.preprocess, {**ROW, "prompt": "boom"})
    err = info.value
    assert err.stage == "preprocess"
    assert err.message == "PreprocessError: Preprocessing failed: Intentional failure"
    assert "ValueError: Intentional failure" in err.raw  # the traceback is kept
    with pytest.raises(ProcessorError, match="(?s)Validation failed: .*gold"):
        anyio.run(proc.preprocess, ROW)
    with pytest.raises(ProcessorError) as info:
        anyio.run(proc.postprocess, OUT)
    assert info.value.message == "statusCode 400: Unsupported process_type: postprocess"
    with pytest.raises(ProcessorError, match="not JSON serializable"):
        anyio.run(LocalProcessor.from_target(f"{path}:raw").postprocess, OUT)
    with pytest.raises(ProcessorError, match="invalid preprocess event: data.prompt"):
        anyio.run(proc.preprocess, {"gold": "g"})


def test_raw_handler_responses_are_validated(tmp_path):
    path = write(tmp_path, "raw.py", """
        import json
        def lambda_handler(event, context):
            kind = event["data"]["prompt"]
            if kind == "string-body":
                return {"statusCode": 200, "headers": {}, "body": json.dumps(
                    [{"metric": "m", "value": 1}])}
            if kind == "extra":
                return {"statusCode": 200, "body": [{"metric": "m", "value": 1, "x": 0}]}
            if kind == "list":
                return [1]
            if kind == "str-status":
                return {"statusCode": "200", "body": [{"metric": "m", "value": 2}]}
            if kind == "exit":
                raise SystemExit(3)
            return {"statusCode": 200}
    """, header="")
    proc = LocalProcessor.from_target(str(path))
    post = lambda prompt: anyio.run(proc.postprocess, {**OUT, "prompt": prompt})  # noqa: E731
    assert post("string-body") == [{"metric": "m", "value": 1}]
    assert post("str-status") == [{"metric": "m", "value": 2}]
    for prompt, message in [("extra", "invalid postprocess response: body.0.x"),
                            ("exit", "SystemExit: 3"),
                            ("list", "response is not a JSON object"),
                            ("none", "response has no body")]:
        with pytest.raises(ProcessorError, match=message):
            post(prompt)


def test_concurrency_is_bounded_and_loops_can_change(tmp_path):
    path = write(tmp_path, "slow.py", """
        import threading, time
        LOCK = threading.Lock()
        STATE = {"now": 0, "peak": 0}
        @postprocess
        def post(event, context):
            with LOCK:
                STATE["now"] += 1
                STATE["peak"] = max(STATE["peak"], STATE["now"])
            time.sleep(0.02)
            with LOCK:
                STATE["now"] -= 1
            return {"statusCode": 200, "body": [{"metric": "m", "value": 1}]}
    """)
    proc = LocalProcessor.from_target(str(path), concurrency=3)

    async def go():
        results = []

        async def one():
            results.append(await proc.postprocess(OUT))

        async with anyio.create_task_group() as tg:
            for _ in range(12):
                tg.start_soon(one)
        return results

    for _ in range(2):  # a second event loop gets a fresh limiter
        assert anyio.run(go) == [[{"metric": "m", "value": 1}]] * 12
    module = sys.modules[next(n for n in sys.modules if n.endswith("_slow"))]
    assert 1 < module.STATE["peak"] <= 3
