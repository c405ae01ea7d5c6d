# Quick start: `make demo` then `make test`. Both create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned to the CPU build this machine carries (otherwise pip may fetch CUDA).
# System packages from Debian, said here and printed when installed (nothing at run time):
#   wordnet-base, wordnet-sense-index  WordNet 3.0 for the meteor preset
#   chromium                           headless browser for the HTML report tests (SEC-2)
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q 'torch==2.13.0' || $(BIN)/pip install -q torch
	$(BIN)/pip install -q -e '.[all,dev]'
	-@if [ ! -f /usr/share/wordnet/index.sense ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -q --no-install-recommends wordnet-base wordnet-sense-index >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends wordnet-base wordnet-sense-index >/dev/null 2>&1)) \
		|| echo "note: WordNet not installed; meteor tests will be skipped"; fi
	-@if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium (headless browser for the HTML report tests)"; \
		(apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1)) \
		|| echo "note: chromium not installed; the browser tests will skip (and fail on CI)"; fi
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/assay demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf runs build .pytest_cache
