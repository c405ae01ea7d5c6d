"""REL-3 acceptance: a seeded corpus of hostile datasets, recipes and options, each run through
the real CLI. Every case must exit with code 2, print exactly one line on stderr that starts
with ``error:`` and names the file (and the line and the field where the problem is in a row),
print no traceback, finish within 30 s, and stay under 1 GiB of memory.

Most cases run in-process (``assay.cli.app.main``) with a per-case time check, because a
subprocess costs about a second; the cases that could hang or eat memory (alias bomb, 50 MB
recipe, deep nesting, huge lines, mock concurrency=0) and a seeded sample of the others run as
subprocesses under an address-space cap, with each child's peak RSS measured (``wait4``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assay.cli.app import main
from tests.conftest import ASSAY, env_for_subprocess

SEED = 20240611
MIN_CASES = 200
CASE_SECONDS = 30.0
MAX_RSS = 1024 ** 3                  # 1 GiB, the budget a hostile input may not break
ADDRESS_SPACE_CAP = 3 * 1024 ** 3    # a safety net; pyarrow reserves >1.5 GB of address space
N_SAMPLED_SUBPROCESS = 10

GEN_RECIPE = ("run:\n  name: fz\nevaluation:\n  task: gen_qa\n  strategy: gen_qa\n  metric: all\n"
              "inference:\n  max_new_tokens: 16\n  temperature: 0\n")
JUDGE_RECIPE = ("run:\n  name: fzj\nevaluation:\n  task: llm_judge\n  strategy: judge\n"
                "  metric: all\ninference:\n  max_new_tokens: 16\n  temperature: 0\n"
                "judge:\n  model: mock/constant\n")
GOOD = {"query": "What is 2+2?", "response": "4"}
GOOD_JUDGE = {"prompt": "Say hi", "response_A": "hi", "response_B": "hello"}
S = "\\ud800"          # a lone surrogate, as a JSON escape
BIG = "7" * 5000       # past Python's 4,300-digit int conversion limit


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: list[str] = field(default_factory=list)   # fragments of the error line
    slow: bool = False                                 # run as a subprocess


class Corpus:
    """Writes the hostile files of each case into its own folder and builds its argv."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.cases: list[Case] = []
        self.good_data = self._path("good", "data.jsonl", json.dumps(GOOD) + "\n")
        self.good_judge = self._path("good", "judge.jsonl", json.dumps(GOOD_JUDGE) + "\n")
        self.gen_recipe = self._path("good", "recipe.yaml", GEN_RECIPE)
        self.judge_recipe = self._path("good", "judge.yaml", JUDGE_RECIPE)

    def _path(self, case: str, name: str, content: str | bytes) -> Path:
        folder = self.root / case
        folder.mkdir(parents=True, exist_ok=True)
        p = folder / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8", errors="surrogatepass")
        return p

    def _argv(self, case: str, recipe: Path, data: Path, judge: bool, extra: list[str]) -> list:
        out = str(self.root / case / "runs")
        model = [] if judge else ["-m", "mock/echo"]
        return ["run", str(recipe), "--data", str(data), *model, "--output-dir", out,
                "--progress", "none", "--quiet", *extra]

    # -- datasets ---------------------------------------------------------------------------------
    def rows(self, name: str, lines: list[str] | bytes, *, line: int | None = None,
             fld: str | None = None, judge: bool = False, more: list[str] = (),
             slow: bool = False) -> None:
        """A dataset case; ``line``/``fld`` are where the error must point."""
        name = f"{len(self.cases):03d}-{name}"
        content = lines if isinstance(lines, bytes) else "".join(x + "\n" for x in lines)
        data = self._path(name, "data.jsonl", content)
        recipe = self.judge_recipe if judge else self.gen_recipe
        expect = [data.name + (f":{line}" if line is not None else "")]
        if fld is not None:
            expect.append(f"field '{fld}'")
        expect += list(more)
        self.cases.append(Case(name, self._argv(name, recipe, data, judge, []), expect, slow))

    def bad_row(self, name: str, row: str, *, fld: str | None = None, judge: bool = False,
                more: list[str] = (), slow: bool = False) -> None:
        """``row`` after a random number of good rows: the error names its line."""
        good = json.dumps(GOOD_JUDGE if judge else GOOD)
        before = self.rng.randint(0, 4)
        lines = [json.dumps({**(GOOD_JUDGE if judge else GOOD), "id": f"r{i}"})
                 for i in range(before)] + [row]
        if self.rng.random() < 0.5:
            lines.append(good)
        self.rows(name, lines, line=before + 1, fld=fld, judge=judge, more=more, slow=slow)

    # -- recipes and options ----------------------------------------------------------------------
    def recipe(self, name: str, text: str | bytes, *, line: int | None = None,
               fld: str | None = None, extra: list[str] = (), more: list[str] = (),
               slow: bool = False, judge: bool = False) -> None:
        name = f"{len(self.cases):03d}-{name}"
        recipe = self._path(name, "recipe.yaml", text)
        expect = [recipe.name + (f":{line}" if line is not None else "")]
        if fld is not None:
            expect.append(f"field '{fld}'")
        expect += list(more)
        data = self.good_judge if judge else self.good_data
        self.cases.append(Case(name, self._argv(name, recipe, data, judge, list(extra)),
                               expect, slow))

    def option(self, name: str, extra: list[str], expect: list[str], *,
               slow: bool = False) -> None:
        name = f"{len(self.cases):03d}-{name}"
        (self.root / name).mkdir(parents=True, exist_ok=True)
        self.cases.append(Case(name, self._argv(name, self.gen_recipe, self.good_data, False,
                                                extra), expect, slow))


def _gen_row(**changes) -> str:
    row = {**GOOD, **changes}
    return json.dumps({k: v for k, v in row.items() if v is not _DROP})


_DROP = object()


def build_corpus(root: Path) -> list[Case]:
    rng = random.Random(SEED)
    c = Corpus(root, rng)
    good = json.dumps(GOOD)

    # 1. integers past 4,300 digits, anywhere in a row (gen_qa and llm_judge)
    for where in ['{"query": "q", "response": "r", "n": %s}',
                  '{"query": "q", "response": "r", "metadata": {"a": [1, {"b": %s}]}}',
                  '{"query": "q", "response": "r", "id": %s}',
                  '{"query": %s, "response": "r"}',
                  '{"query": "q", "response": "r", "images": [%s]}',
                  '{"query": "q", "response": "r", "metadata": "{\\"n\\": %s}"}']:
        fld = "metadata" if where.count('"{') else None
        c.bad_row("bigint", where % BIG, fld=fld, more=["digits"])
    for where in ['{"prompt": "p", "response_A": "a", "response_B": "b", "label": %s}',
                  '{"prompt": "p", "response_A": "a", "response_B": "b", "x": [%s]}',
                  '{"prompt": %s, "response_A": "a", "response_B": "b"}']:
        c.bad_row("bigint-judge", where % BIG, judge=True, more=["digits"])

    # 2. metadata given as a JSON string nested 10,000 deep
    for meta in ['{"a":' * 10_000 + "1" + "}" * 10_000,
                 '{"a":' + "[" * 10_000 + "]" * 10_000 + "}",
                 '{"a": {"b":' * 5_000 + "null" + "}}" * 5_000]:
        c.bad_row("deep-meta", _gen_row(metadata=meta), fld="metadata")
        c.bad_row("deep-meta-judge", json.dumps({**GOOD_JUDGE, "metadata": meta}),
                  fld="metadata", judge=True)

    # 3. lone surrogates in every string of a row, at any depth
    for row, fld in [
        ('{"query": "q", "response": "r", "metadata": {"tags": ["a", "b", "%s"]}}' % S,
         "metadata.tags[2]"),
        ('{"query": "q", "response": "r", "metadata": {"a": {"b": "x%s"}}}' % S,
         "metadata.a.b"),
        ('{"query": "q", "response": "r", "metadata": {"%s": 1}}' % S, "metadata['\\ud800']"),
        ('{"query": "q", "response": "r", "metadata": {"k": [{"%s": 2}]}}' % S,
         "metadata.k[0]['\\ud800']"),
        ('{"query": "q", "response": "r", "metadata": "{\\"k\\": \\"\\\\ud800\\"}"}',
         "metadata.k"),
        ('{"query": "q", "response": "r", "metadata": "text %s"}' % S, "metadata"),
        ('{"query": "q", "response": "r", "id": "i%s"}' % S, "id"),
        ('{"query": "%s", "response": "r"}' % S, "query"),
        ('{"query": "q", "response": "%s"}' % S, "response"),
        ('{"query": "q", "response": "r", "system": "s%s"}' % S, "system"),
        ('{"query": "q", "response": "r", "prediction": "%s"}' % S, "prediction"),
        ('{"query": "q", "response": "r", "modelResponses": [{"response": "%s"}]}' % S,
         "modelResponses[0].response"),
        ('{"query": "q", "response": "r", "extra": {"deep": [[["%s"]]]}}' % S,
         "extra.deep[0][0][0]"),
        ('{"query": "q", "response": "r", "%s": 1}' % S, "['\\ud800']"),
        ('{"query": "q", "response": "r", "images": [{"data": "%s"}]}' % S, "images[0].data"),
        ('{"query": "q", "response": "r", "metadata": {"a": "\\udfff"}}', "metadata.a"),
    ]:
        c.bad_row("surrogate", row, fld=fld, more=["surrogate"])
    for key in ["prompt", "response_A", "response_B", "label", "human_label", "preference", "id"]:
        row = {**GOOD_JUDGE, key: "MARK"}
        c.bad_row("surrogate-judge", json.dumps(row).replace('"MARK"', f'"A{S}"'), fld=key,
                  judge=True, more=["surrogate"])
    c.bad_row("surrogate-judge-meta",
              json.dumps({**GOOD_JUDGE, "metadata": {"t": ["x", "MARK"]}}).replace(
                  '"MARK"', f'"{S}"'), fld="metadata.t[1]", judge=True)

    # malformed JSON lines: random truncations of a good row, and classic mistakes
    full = json.dumps({**GOOD, "system": "be brief", "metadata": {"d": "easy", "n": [1, 2]}})
    for cut in sorted(rng.sample(range(1, len(full) - 1), 15)):
        c.bad_row("truncated", full[:cut], more=["malformed JSON"])
    for text in ["{'query': 'q', 'response': 'r'}", '{query: "q", response: "r"}',
                 '{"query": "q", "response": "r",}', '{"query": "q" "response": "r"}',
                 '{"query": "q", "response": "r"} // note', '{"query": "q\x01", "response": "r"}',
                 '{"query": "q", "response": "r"}}', '{"query": "q", "response": "r"']:
        c.bad_row("malformed", text, more=["malformed JSON"])

    # wrong types for every field
    wrong = [3, 2.5, True, ["x"], {"a": 1}]
    for fld in ["query", "response"]:
        for v in wrong + [None]:
            c.bad_row(f"type-{fld}", _gen_row(**{fld: v}), fld=fld)
        c.bad_row(f"missing-{fld}", _gen_row(**{fld: _DROP}), fld=fld, more=["missing"])
    for v in wrong:
        c.bad_row("type-system", _gen_row(system=v), fld="system")
        c.bad_row("type-prediction", _gen_row(prediction=v), fld="prediction")
    for v in [3, "x", True, {"a": 1}]:
        c.bad_row("type-images", _gen_row(images=v), fld="images")
    for v in [[3], ["data:image/png;base64,AA"], [{"data": "http://x/y.png"}], [{"data": 5}]]:
        c.bad_row("type-image-item", _gen_row(images=v), fld="images[0].data")
    for v in [3, 2.5, True, ["a"]]:
        c.bad_row("type-metadata", _gen_row(metadata=v), fld="metadata")
    for v in [2.5, ["a"], {"a": 1}]:
        c.bad_row("type-id", _gen_row(id=v), fld="id")
    for v in [3, "x", [], [1], [{"response": 1}], [{"x": "y"}]]:
        c.bad_row("type-modelResponses", _gen_row(modelResponses=v), fld="modelResponses")
    for fld in ["prompt", "response_A", "response_B"]:
        for v in [3, ["x"], {"a": 1}, None]:
            c.bad_row(f"type-{fld}", json.dumps({**GOOD_JUDGE, fld: v}), fld=fld, judge=True)
    for v in ["C", 7, "A>B>C", ["A", "B"], {"a": 1}]:
        c.bad_row("type-label", json.dumps({**GOOD_JUDGE, "label": v}), fld="label", judge=True)
    for v in [3, [1]]:
        c.bad_row("type-judge-metadata", json.dumps({**GOOD_JUDGE, "metadata": v}),
                  fld="metadata", judge=True)
    c.rows("duplicate-id", [_gen_row(id="a"), _gen_row(id="b"), _gen_row(id="a")], line=3,
           fld="id", more=["duplicate"])
    c.rows("duplicate-long-id", [_gen_row(id="z" * 100_000)] * 2, line=2, fld="id")

    # NaN / Infinity literals (and a float that overflows to infinity)
    for lit in ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"]:
        c.bad_row("nonfinite-meta", '{"query": "q", "response": "r", "metadata": {"s": %s}}'
                  % lit, fld="metadata.s")
        c.bad_row("nonfinite-extra", '{"query": "q", "response": "r", "x": [0, %s]}' % lit,
                  fld="x[1]")
    c.bad_row("nonfinite-query", '{"query": NaN, "response": "r"}', fld="query")
    c.bad_row("nonfinite-judge", json.dumps(GOOD_JUDGE)[:-1] + ', "score": Infinity}',
              fld="score", judge=True)

    # lines that are JSON but not objects; deep nesting in the row itself
    for text in ["[1, 2]", '"a string"', "5", "null", "true"]:
        c.bad_row("not-object", text, more=["expected a JSON object"])
    c.bad_row("deep-array", "[" * 100_000 + "]" * 100_000, more=["nested too deeply"])
    c.bad_row("deep-object", '{"a":' * 50_000 + "1" + "}" * 50_000, more=["nested too deeply"])
    c.bad_row("deep-in-field", '{"query": "q", "response": "r", "m": ' + "[" * 20_000
              + "]" * 20_000 + "}", more=["nested too deeply"])

    # empty files
    for text in ["", "\n\n\n", "   \n\t\n  \n"]:
        c.rows("empty", [text] if text else b"", more=["empty"])
        c.rows("empty-judge", [text] if text else b"", judge=True, more=["empty"])

    # binary garbage (no newlines: it is all line 1) and invalid UTF-8
    junk = bytes(b for b in range(256) if b not in b"\n\r\t \x0b\x0c")
    for i in range(10):
        n = rng.choice([1, 7, 100, 4096, 65_536])
        blob = bytes(rng.choice(junk) for _ in range(n))
        c.rows(f"garbage{i}", blob + b"\n", line=1)
    for bad in [b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf",
                b"\xed\xa0\x80"]:
        row = b'{"query": "q' + bad + b'", "response": "r"}'
        before = rng.randint(0, 3)
        # json decodes bytes with surrogatepass: an encoded surrogate becomes a lone one
        more = ["surrogate"] if bad == b"\xed\xa0\x80" else ["UTF-8"]
        c.rows("invalid-utf8", (good + "\n").encode() * before + row + b"\n", line=before + 1,
               more=more)

    # huge lines (the biggest as subprocesses, for the memory check)
    c.bad_row("huge-wrong-type", json.dumps({"query": ["x" * 2_000_000], "response": "r"}),
              fld="query")
    c.bad_row("huge-malformed", '{"query": "' + "y" * 3_000_000, more=["malformed JSON"])
    c.bad_row("huge-metadata-surrogate", json.dumps({**GOOD, "metadata": {
        "blob": "z" * 1_000_000}})[:-3] + S + '"}}', fld="metadata.blob")
    c.bad_row("huge-30MB-line", json.dumps({"query": "q" * 30_000_000, "response": 5}),
              fld="response", slow=True)
    c.bad_row("huge-deep-30MB", "[" * 15_000_000 + "]" * 15_000_000,
              more=["nested too deeply"], slow=True)

    # -- recipes ----------------------------------------------------------------------------------
    base_lines = GEN_RECIPE.count("\n")
    keys = {"run": ["name", "model_type", "replicas"],
            "inference": ["max_new_tokens", "top_k", "top_p", "temperature", "top_logprobs"],
            "assay": ["model", "seed", "concurrency", "limit", "group_by"],
            "evaluation": ["subtask"]}
    for i in range(20):
        section = rng.choice(sorted(keys))
        key = rng.choice(keys[section])
        pos = rng.randrange(len(key))
        typo = key[:pos] + rng.choice("xqzjk") + key[pos + 1:]
        if section in ("run", "evaluation", "inference"):
            text = f"{GEN_RECIPE}processor:\n  aggregation: sum\n{section}_extra:\n  {typo}: 1\n"
            line = base_lines + 3
            dotted = f"{section}_extra"
            c.recipe(f"unknown-key{i}", text, line=line, fld=dotted, more=["unknown key"])
        else:
            text = f"{GEN_RECIPE}assay:\n  {typo}: 1\n"
            c.recipe(f"unknown-key{i}", text, line=base_lines + 2, fld=f"assay.{typo}",
                     more=["unknown key"])
    for top in ["inferense", "evaluaton", "processr", "junk"]:
        c.recipe("unknown-top", GEN_RECIPE + f"{top}:\n  x: 1\n", line=base_lines + 1,
                 fld=top, more=["unknown key"])
    rng_free = "run:\n  name: fz\nevaluation:\n  task: gen_qa\n  strategy: gen_qa\n"
    for key, value in [("top_logprobs", "21"), ("top_logprobs", "-1"), ("top_logprobs", "1.5"),
                       ("top_p", "2"), ("top_p", "-0.1"), ("top_p", ".nan"),
                       ("temperature", "-1"), ("temperature", ".inf"), ("temperature", ".nan"),
                       ("temperature", "hot"), ("temperature", "[1]"), ("temperature", "{a: 1}"),
                       ("max_new_tokens", "0"), ("max_new_tokens", "-5"),
                       ("max_new_tokens", "many"), ("top_k", "-2"),
                       ("reasoning_effort", "extreme"), ("top_logprobs", "99999999999999999999")]:
        c.recipe(f"range-{key}", rng_free + f"inference:\n  {key}: {value}\n", line=7,
                 fld=f"inference.{key}")
    for section, key, value in [("assay", "concurrency", "0"), ("assay", "max_failure_share", "2"),
                                ("assay", "limit", "0"),
                                ("processor", "aggregation", "median"),
                                ("assay", "unit_size", "-1")]:
        c.recipe(f"range-{key}", rng_free + f"{section}:\n  {key}: {value}\n", line=7,
                 fld=f"{section}.{key}")
    c.recipe("range-replicas", rng_free.replace("name: fz\n", "name: fz\n  replicas: 0\n"),
             line=3, fld="run.replicas")
    for text, line, fld in [
        (GEN_RECIPE + "inference:\n  top_k: 1\n", base_lines + 1, "inference"),
        (GEN_RECIPE.replace("  temperature: 0\n", "  temperature: 0\n  temperature: 1\n"),
         base_lines + 1, "inference.temperature"),
        (GEN_RECIPE + "assay:\n  model_args:\n    a: 1\n    a: 2\n", base_lines + 4,
         "assay.model_args.a"),
        ("run:\n  name: a\n  name: b\n" + GEN_RECIPE[len("run:\n  name: fz\n"):], 3, "run.name"),
    ]:
        c.recipe("duplicate-key", text, line=line, fld=fld, more=["duplicate key"])
    for text, line in [
        (GEN_RECIPE + "inference: [unclosed\n", None),
        (GEN_RECIPE + "assay:\n\tmodel: mock/echo\n", None),
        (GEN_RECIPE + "assay:\n  model: 'unterminated\n", None),
        (GEN_RECIPE + "assay:\n  model: *nope\n", base_lines + 2),
        (GEN_RECIPE + "a: &x 1\nb: &x 2\nc: [*x\n", None),
        ("run:\n  name: fz\n evaluation:\n  task: gen_qa\n", None),
        (GEN_RECIPE + "--- \nsecond: document\n", None),
        (GEN_RECIPE + "assay:\n  model_args: {? [a, b]: c}\n", None),
        (GEN_RECIPE + "assay:\n  model_args:\n    x: !!python/object:os.system ls\n", None),
        (GEN_RECIPE + "assay:\n  model_args:\n    x: !!int abc\n", base_lines + 3),
        (GEN_RECIPE + "assay:\n  model_args:\n    x: !!float [1]\n", None),
    ]:
        c.recipe("yaml-syntax", text, line=line, more=["invalid YAML"])
    for text, more in [("", "empty"), ("# only a comment\n", "empty"), ("- a\n- b\n", "mapping"),
                       ("just a scalar\n", "mapping"), ("42\n", "mapping"),
                       (b"run:\n  name: \xff\xfe\n", "UTF-8"),
                       (bytes(range(256)) * 8, "recipe"),
                       ("evaluation: 5\n", "evaluation"),
                       ("run:\n  name: x\n", "evaluation")]:
        c.recipe("recipe-shape", text, more=[more])
    c.recipe("bigint-recipe", GEN_RECIPE + "assay:\n  seed: " + BIG + "\n", line=base_lines + 2,
             more=["digits"])
    c.recipe("bad-date", GEN_RECIPE + "assay:\n  model_args:\n    d: 2001-13-45\n",
             line=base_lines + 3)
    c.recipe("surrogate-recipe", GEN_RECIPE + 'assay:\n  model_args:\n    x: "a\\ud800"\n',
             line=base_lines + 3, fld="assay.model_args.x", more=["surrogate"])
    c.recipe("surrogate-key-recipe", GEN_RECIPE + 'assay:\n  model_args:\n    "\\udc80": 1\n',
             line=base_lines + 3, more=["surrogate"])
    c.recipe("recursive-alias", GEN_RECIPE + "assay:\n  model_args: &x\n    me: *x\n",
             line=base_lines + 3, more=["recursive"])
    c.recipe("recursive-alias-top", "a: &x [*x]\n" + GEN_RECIPE, line=1, more=["recursive"])
    for name, value in [('"a\\x00b"', "control"), ('"a\\nb"', "control"), ('".."', "folder"),
                        ('"a/b"', "folder"), ('"' + "n" * 300 + '"', "300 bytes"),
                        ('"\\ud800"', "surrogate"), ('""', "empty")]:
        c.recipe("run-name-in-recipe", GEN_RECIPE.replace("name: fz", f"name: {name}"), line=2,
                 fld="run.name", more=[value])

    # the memory / hang cases: subprocesses
    lol = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        lol.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    bomb = GEN_RECIPE + "assay:\n  model_args:\n    extra_body:\n" + "".join(
        "      " + x + "\n" for x in lol)
    c.recipe("alias-bomb", bomb, more=["alias"], slow=True)
    c.recipe("alias-bomb-top", "\n".join(lol) + "\n" + GEN_RECIPE, more=["alias"], slow=True)
    c.recipe("alias-bomb-mapping", GEN_RECIPE + "assay:\n  model_args:\n" + "".join(
        f"    k{i}: &k{i} {{" + ", ".join(f"x{j}: *k{i - 1}" for j in range(9)) + "}\n"
        if i else "    k0: &k0 {a: 1, b: 2}\n" for i in range(12)), more=["alias"], slow=True)
    c.recipe("recipe-50MB", GEN_RECIPE + "assay:\n  model_args:\n    blob: \"" +
             "x" * (50 * 1024 * 1024) + "\"\n", more=["larger than"], slow=True)
    c.recipe("recipe-2MB-of-keys", GEN_RECIPE + "assay:\n  model_args:\n" + "".join(
        f"    k{i}: {i}\n" for i in range(150_000)), more=["larger than"], slow=True)
    c.recipe("deep-yaml-flow", GEN_RECIPE + "assay:\n  model_args:\n    x: " + "[" * 200_000 +
             "]" * 200_000 + "\n", line=base_lines + 3, more=["nested"], slow=True)
    c.recipe("deep-yaml-block", GEN_RECIPE + "assay:\n  model_args:\n" + "".join(
        "  " * (i + 2) + f"k{i}:\n" for i in range(500)) + "  " * 502 + "v\n",
        more=["nested"], slow=True)
    c.recipe("deep-yaml-map", GEN_RECIPE + "assay:\n  model_args:\n    x: " + "{a: " * 100_000
             + "1" + "}" * 100_000 + "\n", line=base_lines + 3, more=["nested"], slow=True)

    # -- command-line options --------------------------------------------------------------------
    for name, fragment in [("x" * 256, "256 bytes"), ("é" * 200, "400 bytes"),
                           ("n" * 10_000_000, "10,000,000 bytes"), ("a\x00b", "control"),
                           ("a\nb", "control"), ("a\tb", "control"), ("a\x1b[31mb", "control"),
                           ("a\u2028b", "control"), ("..", "folder"), (".", "folder"),
                           ("a/b", "folder"), ("../../etc", "folder"), ("a\\b", "folder"),
                           ("x\udcff", "surrogate"), ("  ", "empty")]:
        c.option("run-name", ["--name", name], ["command line", "run.name", fragment])
    for arg, fragment in [("latency=abc", "-M latency"), ("latency=-1", "-M latency"),
                          ("latency=nan", "-M latency"), ("latency=inf", "-M latency"),
                          ("latency=1e9", "-M latency"), ("concurrency=-5", "-M concurrency"),
                          ("concurrency=abc", "-M concurrency"),
                          ("concurrency=1.5", "-M concurrency"),
                          ("fail_every=-1", "-M fail_every"), ("fail_every=x", "-M fail_every"),
                          ("fail_kind=bogus", "-M fail_kind"),
                          ("request_log=/nonexistent-dir/log", "-M request_log"),
                          ("bogus=1", "unknown mock argument"),
                          ('ll_scores={"a": "x"}', "ll_scores"), ("ll_scores={bad", "ll_scores"),
                          ("file=/nonexistent/answers.jsonl", "mock script file not found"),
                          ("noequals", "key=value"), ("=nokey", "key=value")]:
        c.option("mock-arg", ["-M", arg], [fragment])
    c.option("mock-concurrency-0", ["-M", "concurrency=0"], ["-M concurrency"], slow=True)
    for arg, fragment in [("inference.temperature=hot", "--set inference.temperature"),
                          ("inference.top_p=2", "--set inference.top_p"),
                          ("inference.top_logprobs=21", "--set inference.top_logprobs"),
                          ("inference.temperature=-1", "--set inference.temperature"),
                          ("inference.temperatur=0", "--set inference.temperatur"),
                          ("run.name=..", "--set run.name"),
                          ("assay.concurrency=0", "--set assay.concurrency"),
                          ("assay.limit=abc", "--set assay.limit"),
                          ("assay.max_failure_share=2", "--set assay.max_failure_share"),
                          ("assay.scorers=[1]", "--set assay.scorers"),
                          ("inference=[1, 2]", "--set inference")]:
        c.option("set", ["--set", arg], [fragment])
    for opt, value, fld in [("--top-logprobs", "21", "inference.top_logprobs"),
                            ("--temperature", "-1", "inference.temperature"),
                            ("--temperature", "nan", "inference.temperature"),
                            ("--top-p", "2", "inference.top_p"),
                            ("--concurrency", "0", "assay.concurrency"),
                            ("--limit", "0", "assay.limit"),
                            ("--max-new-tokens", "0", "inference.max_new_tokens"),
                            ("--max-failure-share", "1.5", "assay.max_failure_share")]:
        c.option("typed-option", [opt, value], ["command line", fld])
    return c.cases


# -- running a case -------------------------------------------------------------------------------
def _check(case: Case, code: int, stderr: str, seconds: float) -> list[str]:
    problems = []
    lines = [x for x in stderr.splitlines() if x.strip()]
    if code != 2:
        problems.append(f"exit code {code}")
    if "Traceback" in stderr:
        problems.append("traceback")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines")
    elif not lines[0].startswith("error: "):
        problems.append("no 'error:' prefix")
    else:
        for frag in case.expect:
            if frag not in lines[0]:
                problems.append(f"missing {frag!r}")
        if len(lines[0]) > 600:
            problems.append(f"error line of {len(lines[0])} characters")
    if seconds > CASE_SECONDS:
        problems.append(f"took {seconds:.1f} s")
    if problems:
        return [f"{case.name}: {', '.join(problems)}; stderr={stderr[-400:]!r}"]
    return []


def _in_process(case: Case) -> tuple[int, str, float]:
    err, out = io.StringIO(), io.StringIO()
    t = time.monotonic()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(list(case.argv))
        except SystemExit as exc:          # argparse
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:       # noqa: BLE001 - a crash is a finding, not a stop
            import traceback
            traceback.print_exc(file=err)
            code = f"raised {type(exc).__name__}"
    return code, err.getvalue(), time.monotonic() - t


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def _subprocess(case: Case, cwd: Path) -> tuple[int, str, float, int]:
    """Run the CLI in a child under an address-space cap and a 30 s timeout; return its exit
    code, stderr, wall time and peak RSS in bytes (from wait4, for this child alone)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.monotonic()
        proc = subprocess.Popen([*ASSAY, *case.argv], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, env=env_for_subprocess(), cwd=cwd,
                                preexec_fn=_limit_address_space)
        timer = threading.Timer(CASE_SECONDS + 5, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.monotonic() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "backslashreplace")
    return proc.returncode, text, seconds, usage.ru_maxrss * 1024


def _subprocess_safe(case: Case) -> bool:
    """An argv that exec can carry: no NUL, no lone surrogate, no argument past 100 KB."""
    return all("\x00" not in a and len(a) < 100_000
               and not any("\ud800" <= ch <= "\udfff" for ch in a) for a in case.argv)


def test_hostile_inputs(tmp_path):
    t0 = time.monotonic()
    cases = build_corpus(tmp_path / "corpus")
    names = [c.name for c in cases]
    assert len(set(names)) == len(names)

    slow = [c for c in cases if c.slow]
    fast = [c for c in cases if not c.slow]
    sampled = random.Random(SEED + 1).sample([c for c in fast if _subprocess_safe(c)],
                                             N_SAMPLED_SUBPROCESS)
    failures: list[str] = []
    for case in fast:
        code, stderr, seconds = _in_process(case)
        failures += _check(case, code, stderr, seconds)
    peak = 0
    for case in slow + sampled:
        code, stderr, seconds, rss = _subprocess(case, tmp_path)
        peak = max(peak, rss)
        failures += _check(case, code, stderr, seconds)
        if rss > MAX_RSS:
            failures.append(f"{case.name}: peak RSS {rss / 2**20:.0f} MiB")
    ran = len(fast) + len(slow)
    print(f"\nfuzz corpus: {ran} hostile cases ({len(fast)} in-process, {len(slow)} as "
          f"subprocesses, plus {len(sampled)} sampled again as subprocesses); peak child RSS "
          f"{peak / 2**20:.0f} MiB; {time.monotonic() - t0:.1f} s")
    assert not failures, f"{len(failures)} of {ran} cases failed:\n" + "\n".join(failures[:40])
    assert ran >= MIN_CASES


# -- --output-dir cases: owned by the run-directory work, isolated here ---------------------------
def test_output_dir_hostile(tmp_path):
    corpus = Corpus(tmp_path / "corpus", random.Random(SEED))
    regular = tmp_path / "a-regular-file"
    regular.write_text("x")
    cases = []
    for target, fragment in [(str(regular), regular.name), ("/dev/null", "/dev/null"),
                             ("/proc/self", "/proc/"), (str(regular / "sub"), regular.name)]:
        argv = corpus._argv("outdir", corpus.gen_recipe, corpus.good_data, False, [])
        i = argv.index("--output-dir")
        argv[i + 1] = target
        cases.append(Case(f"output-dir {target}", argv, [fragment]))
    failures = []
    for case in cases:
        code, stderr, seconds, _ = _subprocess(case, tmp_path)
        failures += _check(case, code, stderr, seconds)
    assert not failures, "\n".join(failures)
    assert regular.read_text() == "x"


# -- a NUL byte in --data: the CLI resolves the path before config/data see it ------------------
def test_data_path_with_nul_byte(tmp_path):
    corpus = Corpus(tmp_path / "corpus", random.Random(SEED))
    argv = corpus._argv("nul", corpus.gen_recipe, corpus.good_data, False, [])
    argv[argv.index("--data") + 1] = str(tmp_path / "a\x00b.jsonl")
    code, stderr, seconds = _in_process(Case("data-nul", argv, ["--data"]))
    assert not _check(Case("data-nul", argv, []), code, stderr, seconds)
