# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install browser demo test test-fast lint bench clean

# torch is installed first and pinned: 2.13.0 is the CPU wheel on this machine's disk, any
# other release would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,ray]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/rag ingest seeds/
	$(BIN)/rag stats
	$(BIN)/rag search "who offered Musk political asylum" -k 3
	$(BIN)/rag ask "Who offered Musk political asylum?"
	$(BIN)/rag ask "Did Musk respond to the Russian offers?"
	$(BIN)/rag ask "What is the capital of Australia?"
	$(BIN)/rag brief
	$(BIN)/rag ingest seeds/ --store qdrant:index/qdrant
	$(BIN)/rag ask "Who offered Musk political asylum?" --store qdrant:index/qdrant

# Headless Chromium for the browser tests of `rag serve`: installed where the machine allows it
# (root with apt); elsewhere those tests skip and say why.
browser:
	@if command -v chromium > /dev/null && command -v chromedriver > /dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		echo "installing Chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver > /dev/null) \
			|| echo "Chromium could not be installed: the browser tests will skip"; \
	else echo "no Chromium and no root with apt: the browser tests will skip"; fi

test: install browser
	$(BIN)/ruff check rag tests bench
	$(BIN)/mypy rag
	$(BIN)/pytest -q

# The fast loop: unit tests with the small deterministic embedder; no real model, browser or Ray.
test-fast: install
	$(BIN)/ruff check rag tests bench
	$(BIN)/pytest -q -m "not integration and not browser and not ray and not slow"

lint: install
	$(BIN)/ruff check rag tests bench
	$(BIN)/ruff format --check rag tests bench
	$(BIN)/mypy rag

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/ask.py
	$(BIN)/python bench/brief.py
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) index/*.sqlite* index/*.faiss index/write.lock index/qdrant
