"""Jobs that an execution starts together share the cores when more than one runs the
embedded llama.cpp model; a recipe's own n_threads and other backends are left alone."""

from __future__ import annotations

import os

from assay.sdk.launch import _share_cores


def _plan(role, model, **args):
    recipe = {"assay": {"model": model}}
    if args:
        recipe["assay"]["model_args"] = dict(args)
    return role, recipe


def test_two_local_jobs_get_an_equal_share():
    share = max(1, len(os.sched_getaffinity(0)) // 2)
    plans = _share_cores([_plan("custom", "local/smollm2"), _plan("base", "local/smollm2")])
    assert [r["assay"]["model_args"]["n_threads"] for _role, r in plans] == [share, share]


def test_one_local_job_other_backends_and_explicit_threads_are_left_alone():
    assert "model_args" not in _share_cores([_plan("custom", "local/smollm2")])[0][1]["assay"]
    plans = _share_cores([_plan("custom", "local/smollm2", n_threads=3),
                          _plan("base", "local/smollm2"), _plan("other", "mock/echo")])
    assert plans[0][1]["assay"]["model_args"] == {"n_threads": 3}
    assert plans[1][1]["assay"]["model_args"]["n_threads"] >= 1
    assert "model_args" not in plans[2][1]["assay"]
