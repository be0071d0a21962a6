# The two entry points of the README. Both create (or reuse) the virtual environment.
PYTHON ?= python3.10
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: train test test-all venv clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

train: $(STAMP)
	$(VENV)/bin/lava-bioadam train configs/digits.yaml --backend lava-fixed

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

test-all: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "slow or not slow"

clean-venv:
	rm -rf $(VENV)
