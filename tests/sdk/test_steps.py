"""Pipeline steps from job rows and run steps: one job per step, or a benchmark job split
into the custom model's part and the base model's part; the overall status."""

from __future__ import annotations

from assay.sdk.steps import overall_status, select_steps, step_view

JOB = {"status": "Executing", "created": 100.0, "ended": None, "reason": None}


def st(name, status, started=None, ended=None, reason=None):
    return {"name": name, "status": status, "started": started, "ended": ended,
            "reason": reason}


STEPS = [st("loading", "Succeeded", 101, 102), st("inference", "Succeeded", 102, 110),
         st("writing", "Succeeded", 110, 111),
         st("inference (custom/base)", "Executing", 111)]


def spec(part):
    return {"name": "X", "display_name": "X (m)", "job_id": "j1", "role": "custom",
            "part": part}


def test_select_steps_splits_at_the_first_base_step():
    names = [s["name"] for s in select_steps(STEPS + [st("combining", "Executing")], "base")]
    assert names == ["inference (custom/base)", "combining"]
    assert [s["name"] for s in select_steps(STEPS, "custom")] == ["loading", "inference",
                                                                 "writing"]
    assert select_steps(STEPS, "all") == STEPS


def test_custom_part_is_done_once_the_base_part_runs():
    custom = step_view(spec("custom"), JOB, STEPS)
    assert custom["status"] == "Succeeded"
    assert custom["start_time"].startswith("1970-01-01T00:01:41")
    assert custom["end_time"].startswith("1970-01-01T00:01:51")
    base = step_view(spec("base"), JOB, STEPS)
    assert base["status"] == "Executing" and base["end_time"] is None
    assert base["job_arn"] == "arn:assay:local:job/j1"


def test_base_part_has_not_started_yet():
    assert step_view(spec("base"), JOB, STEPS[:2]) is None
    assert step_view(spec("custom"), JOB, STEPS[:2])["status"] == "Executing"


def test_whole_job_step_before_its_first_run_step_and_after_failure():
    v = step_view(spec("all"), JOB, [])
    assert v["status"] == "Executing" and v["start_time"].startswith("1970-01-01T00:01:40")
    failed = dict(JOB, status="Failed", ended=120.0, reason="error: boom")
    v = step_view(spec("all"), failed, [st("loading", "Failed", 101, 102, "bad data")])
    assert (v["status"], v["failure_reason"]) == ("Failed", "bad data")
    v = step_view(spec("all"), failed, [])
    assert (v["status"], v["failure_reason"], v["end_time"][:19]) == \
        ("Failed", "error: boom", "1970-01-01T00:02:00")


def test_overall_status():
    assert overall_status(["Succeeded", "Executing"]) == "Executing"
    assert overall_status(["Failed", "Executing"]) == "Executing"
    assert overall_status(["Failed", "Succeeded"]) == "Failed"
    assert overall_status(["Stopped", "Succeeded"]) == "Stopped"
    assert overall_status(["Stopping", "Executing"]) == "Stopping"
    assert overall_status(["Succeeded", "Succeeded"]) == "Succeeded"
