# Framing-analysis study: `make report` and `make test` are all a newcomer needs.
# Every target bootstraps .venv/ through `make setup` (idempotent: it reinstalls only
# when pyproject.toml or constraints.txt change).

PYTHON  ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
CORPUS  ?= seeds
OUT     ?= reports
# the study's params file, when the corpus folder has one
PARAMS  ?= $(wildcard $(CORPUS)/report.yaml)
UNGDC   ?= ../shared/corpora/ungdc/ungdc-1946-2024.tar.xz
CACHE   ?= $(HOME)/.cache/framing-analysis

.DEFAULT_GOAL := help
.PHONY: help setup report report-example test lint format lab bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,dask]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (framing)" >/dev/null
	@touch $@

setup: $(STAMP) ## Create .venv/ and install the pinned dependencies (idempotent)

report: setup ## Render the seed study into reports/ with $(CORPUS)/report.yaml (CORPUS=..., OUT=..., PARAMS=file.yaml)
	$(BIN)/python -m analysis report --corpus $(CORPUS) --out $(OUT) $(if $(PARAMS),--params $(PARAMS))

report-example: setup ## Render the same suite on the UN General Debate sample into reports/example/
	$(BIN)/python -m analysis report --corpus examples/ungdc-sample --out $(OUT)/example \
		--params examples/ungdc-sample/report.yaml --title "Example: China, Russia and the US in the UN General Debate, 2000-2024"

test: setup ## Lint and run the test suite
	$(BIN)/ruff check analysis tests benchmarks
	$(BIN)/python -m pytest -q

lint: setup ## Lint and check formatting
	$(BIN)/ruff check analysis tests benchmarks
	$(BIN)/ruff format --check analysis tests benchmarks

format: setup ## Format the code with ruff
	$(BIN)/ruff format analysis tests benchmarks
	$(BIN)/ruff check --fix analysis tests benchmarks

lab: setup ## Open JupyterLab on the notebooks
	$(BIN)/jupyter lab --notebook-dir=analysis/report/notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: setup ## Run the speed and memory benchmarks (UN General Debate corpus from ../shared)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## Remove caches (keeps .venv/ and reports/)
	rm -rf .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
