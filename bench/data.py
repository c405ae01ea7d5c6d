"""Seeded synthetic gen_qa data for the benchmarks.

Every tool in a benchmark (assay and its peers) reads the same file written here, so the
rows are identical across tools.  Output is deterministic given ``seed`` and ``n``:
the same arguments always give byte-identical files.

Rows follow the Nova gen_qa shape::

    {"query": str, "response": str, "system": str, "metadata": "<JSON string>"}

with queries of 20-60 words, responses of 10-40 words, and ``metadata`` a JSON *string*
(as in the Nova samples) holding ``difficulty`` and ``domain``.

Also writes noisy predictions (``predictions``): a seeded perturbation of each gold
response (word drops, swaps, substitutions, insertions, truncation, and some exact
copies) so that em/f1/rouge/bleu all take non-trivial values.  Those are used by the
PERF-1b reference script and, as ``{"index": i, "text": pred}`` rows, by assay's
``mock/script`` model.

Usage::

    python bench/data.py gen_qa --n 10000 --seed 0 --out bench/out/data/gen_qa_10000.jsonl
    python bench/data.py predictions --n 10000 --seed 0 --out bench/out/data/preds_10000.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

# A small closed vocabulary per domain keeps text realistic-looking (topical repetition,
# so n-gram metrics have overlaps to find) without shipping any corpus.
_DOMAINS: dict[str, list[str]] = {
    "science": (
        "atom cell energy photon gravity enzyme molecule orbit protein electron "
        "reaction climate species fossil genome neutron magnet wave plasma carbon "
        "oxygen velocity mass density theory experiment sample hypothesis"
    ).split(),
    "history": (
        "empire treaty dynasty revolution war king queen parliament colony trade "
        "republic senate battle army charter reform merchant city port kingdom "
        "century province council monarch rebellion alliance border"
    ).split(),
    "finance": (
        "bond equity interest rate inflation dividend portfolio risk yield asset "
        "liability market price budget loan credit debt revenue margin capital "
        "currency hedge fund index return tax audit"
    ).split(),
    "medicine": (
        "patient dose symptom diagnosis therapy vaccine infection tissue organ "
        "blood pressure heart lung kidney trial drug surgery fever pain clinic "
        "antibody virus bacteria nerve muscle bone"
    ).split(),
    "software": (
        "function server query cache thread memory compiler module request "
        "database index latency error stack buffer socket kernel process file "
        "token parser schema container cluster pipeline"
    ).split(),
    "geography": (
        "river mountain valley desert coast island lake plateau delta glacier "
        "forest ocean border capital region rainfall climate soil volcano bay "
        "peninsula basin canyon strait reef"
    ).split(),
}
_FUNCTION_WORDS = (
    "the a an of to in on for with by from and or as is are was were be that this "
    "which it its their there what how why when where does do can could should"
).split()
_QUESTION_OPENERS = [
    "Explain how", "Describe why", "What is the role of", "How does", "Summarize",
    "Why would", "Compare", "What happens when", "In what way does", "Outline",
]
_SYSTEMS = [
    "You are a helpful assistant. Answer concisely.",
    "You are an expert tutor. Give a short, factual answer.",
    "Answer the question in one or two sentences.",
    "You are a careful analyst. Be precise and brief.",
]
_DIFFICULTIES = ["easy", "medium", "hard"]


def _sentence(rng: random.Random, vocab: list[str], n_words: int) -> list[str]:
    words: list[str] = []
    for _ in range(n_words):
        # ~45% content words, the rest function words: reads like prose.
        words.append(rng.choice(vocab) if rng.random() < 0.45 else rng.choice(_FUNCTION_WORDS))
    return words


def _text(rng: random.Random, vocab: list[str], n_words: int, opener: str | None = None) -> str:
    words: list[str] = opener.split() if opener else []
    words += _sentence(rng, vocab, max(1, n_words - len(words)))
    out: list[str] = []
    since = 0
    for i, w in enumerate(words):
        since += 1
        if i == 0 or (out and out[-1].endswith(".")):
            w = w[:1].upper() + w[1:]
        # Sentence breaks every 8-16 words, commas now and then.
        if i < len(words) - 1 and since >= 8 and rng.random() < 0.15:
            w += "."
            since = 0
        elif i < len(words) - 1 and rng.random() < 0.05:
            w += ","
        out.append(w)
    return " ".join(out)


def gen_qa_row(seed: int, i: int) -> dict[str, str]:
    """Row ``i`` of the seeded data set: independent of N, so a prefix of a larger set
    equals the smaller set."""
    rng = random.Random(f"assay-bench:{seed}:{i}")
    domain = rng.choice(list(_DOMAINS))
    vocab = _DOMAINS[domain]
    q_len = rng.randint(20, 60)
    r_len = rng.randint(10, 40)
    query = _text(rng, vocab, q_len, rng.choice(_QUESTION_OPENERS)).rstrip(".,") + "?"
    response = _text(rng, vocab, r_len).rstrip(".,") + "."
    meta = {"difficulty": rng.choice(_DIFFICULTIES), "domain": domain}
    return {
        "query": query,
        "response": response,
        "system": rng.choice(_SYSTEMS),
        "metadata": json.dumps(meta, sort_keys=True),
    }


def iter_gen_qa(n: int, seed: int = 0) -> Iterator[dict[str, str]]:
    for i in range(n):
        yield gen_qa_row(seed, i)


def perturb(gold: str, seed: int, i: int) -> str:
    """A realistic noisy prediction for a gold answer (deterministic in seed, i).

    About 20% are exact copies, 5% are copies differing only in case/punctuation
    (so qem > em), and the rest get word-level edits and sometimes truncation.
    """
    rng = random.Random(f"assay-bench-pred:{seed}:{i}")
    r = rng.random()
    if r < 0.20:
        return gold
    if r < 0.25:
        return gold.lower().rstrip(".")
    words = gold.split()
    vocab = [w for ws in _DOMAINS.values() for w in ws]
    p_edit = rng.uniform(0.05, 0.5)
    out: list[str] = []
    for w in words:
        x = rng.random()
        if x < p_edit * 0.35:  # drop
            continue
        if x < p_edit * 0.7:  # substitute
            out.append(rng.choice(vocab))
        elif x < p_edit * 0.85:  # insert after
            out.extend([w, rng.choice(_FUNCTION_WORDS)])
        else:
            out.append(w)
    if len(out) > 3 and rng.random() < p_edit * 0.5:  # swap two neighbours
        j = rng.randrange(len(out) - 1)
        out[j], out[j + 1] = out[j + 1], out[j]
    if len(out) > 6 and rng.random() < 0.15:  # truncated generation
        out = out[: rng.randint(3, len(out) - 1)]
    if rng.random() < 0.05:  # an off-topic answer
        out = _sentence(rng, vocab, rng.randint(5, 20))
    return " ".join(out) if out else rng.choice(vocab)


def iter_predictions(n: int, seed: int = 0) -> Iterator[str]:
    for i, row in enumerate(iter_gen_qa(n, seed)):
        yield perturb(row["response"], seed, i)


def _atomic_write(path: Path, lines: Iterator[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
    tmp.replace(path)
    return path


def write_gen_qa(path: str | os.PathLike[str], n: int, seed: int = 0) -> Path:
    return _atomic_write(
        Path(path), (json.dumps(r, ensure_ascii=False) for r in iter_gen_qa(n, seed))
    )


def write_predictions(path: str | os.PathLike[str], n: int, seed: int = 0) -> Path:
    """``{"index": i, "text": pred}`` rows, the input of assay's ``mock/script`` model."""
    return _atomic_write(
        Path(path),
        (
            json.dumps({"index": i, "text": p}, ensure_ascii=False)
            for i, p in enumerate(iter_predictions(n, seed))
        ),
    )


def ensure_gen_qa(path: str | os.PathLike[str], n: int, seed: int = 0) -> Path:
    """Write the file unless one with exactly ``n`` lines already exists there (it is
    deterministic, so an existing one is the same file)."""
    p = Path(path)
    if p.exists():
        with p.open("rb") as f:
            if sum(1 for _ in f) == n:
                return p
    return write_gen_qa(p, n, seed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=["gen_qa", "predictions"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    fn = write_gen_qa if a.kind == "gen_qa" else write_predictions
    print(fn(a.out, a.n, a.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
