# One task runner, used the same way by hand and by .ci/run.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint typecheck policy-test bench clean

$(BIN)/veil:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'

install: $(BIN)/veil

# The main job on bundled data: redact example support tickets, print what was found and done.
demo: install
	VEIL_HOME=$${VEIL_HOME:-$(CURDIR)/out/home} $(BIN)/veil redact examples/tickets -o out/tickets --policy gdpr-strict

test: install
	$(BIN)/pytest -q
	$(BIN)/veil policy test gdpr-strict hipaa-safe-harbor pci llm-prompt

lint: install
	$(BIN)/ruff check src tests bench training
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/pii.py --split dev

clean:
	rm -rf out build dist *.egg-info
