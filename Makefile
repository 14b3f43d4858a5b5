# Commands of the template repository. `make help` lists them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO ?= demo
COPY := $(BIN)/copier copy --trust --defaults --vcs-ref HEAD --quiet

.DEFAULT_GOAL := help
.PHONY: help install test test-fast lint format demo example variant-suite bench lock docs release clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt tools/spectral/package-lock.json | $(BIN)/python
	@# pip brings the pinned uv; uv installs the rest, several times faster than pip, compiled
	@# to bytecode once here: with PYTHONDONTWRITEBYTECODE set (as on some CI machines), every
	@# one of the suite's thousands of Python processes would otherwise compile what it imports.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep '^uv==' requirements.txt)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --compile-bytecode requirements.txt
	@# Spectral lints the generated OpenAPI document; without npm its test is skipped (not in CI).
	if command -v npm >/dev/null; then npm ci --prefix tools/spectral --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: Spectral is not installed, so its test will be skipped"; fi
	touch $@

install: $(VENV)/.installed ## Create .venv with the pinned tools

# One worker more than there are cores: a good part of the suite waits (on servers starting and
# stopping, outages of set length, the package index), and the extra worker uses that time.
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

# Bytecode caches on, whatever the environment says: each of the suite's hundreds of pytest
# processes would otherwise rewrite the asserts of every plugin module it loads (some 350:
# schemathesis, hypothesis, faker...) and of every test module, 1.6 CPU-seconds each time.
CACHE_BYTECODE := PYTHONDONTWRITEBYTECODE=

test: install ## Run the meta test suite: renders, variants' own suites, update, example
	$(CACHE_BYTECODE) $(BIN)/pytest -n $(WORKERS) --durations=15

test-fast: install ## The meta suite without the slow tests (no installs, no variant suites)
	$(CACHE_BYTECODE) $(BIN)/pytest -n $(WORKERS) -m "not slow"

lint: install ## black and ruff on the template repository's own code
	$(BIN)/black --check .
	$(BIN)/ruff check .

format: install ## Fix what ruff can fix, then format
	$(BIN)/ruff check --fix .
	$(BIN)/black .

demo: install ## Render the default variant into demo/, install it, seed it and serve it
	rm -rf $(DEMO)
	$(COPY) . $(DEMO)
	$(MAKE) -C $(DEMO) install demo

example: install ## Re-render example/ (the default variant) from the template
	rm -rf example
	$(COPY) --skip-tasks . example

PY ?= 3.14
VARIANT_DIR := build/variant-py$(PY)
variant-suite: install ## Render the default variant for Python $(PY), install it with python$(PY), run its suite
	rm -rf $(VARIANT_DIR)
	$(COPY) --skip-tasks -d python_version=$(PY) \
		$(if $(filter 3.15,$(PY)),-d embedded_postgres=false) . $(VARIANT_DIR)
	$(MAKE) -C $(VARIANT_DIR) install PYTHON=python$(PY)
	cd $(VARIANT_DIR) && .venv/bin/python --version && .venv/bin/pytest -n 2 --cov

bench: install ## Benchmarks, side by side against their baselines (see bench/); writes docs/benchmarks.md
	PYTHONPATH=example/src:example $(BIN)/python bench/harness_isolation.py
	PYTHONPATH=example/src:example $(BIN)/python bench/seed_fake.py
	PYTHONPATH=example/src:example $(BIN)/python bench/service_topology.py
	$(BIN)/pip install -q -r bench/peers/requirements.txt
	PYTHONPATH=example/src:example $(BIN)/python bench/peer_comparison.py
	PYTHONPATH=example/src:example $(BIN)/python bench/conditional_requests.py

lock: install ## Re-pin requirements.txt and the generated project's requirements
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --no-annotate \
		--custom-compile-command "make lock" --extra dev pyproject.toml -o requirements.txt
	$(BIN)/python tools/lock_requirements.py

docs: install ## Regenerate the generated project's OpenAPI document and schema diagram
	$(BIN)/python tools/write_docs.py

release: install ## Cut a release: make release VERSION=0.3.0 (checks, dates CHANGELOG.md, tags)
	$(BIN)/python tools/release.py $(VERSION)

clean: ## Remove caches and the demo
	rm -rf .pytest_cache .ruff_cache $(DEMO)
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
