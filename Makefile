# The two entry points of the README (train, test) and the core suite on a current
# Python. Each creates (or reuses) its virtual environment and installs the package
# with the exact versions that CI tests on that Python (constraints/py<X.Y>.txt).
PYTHON ?= python3.10
VENV   ?= .venv
# Lava (lava-nc 0.10) installs on Python 3.10 only; on other Pythons the extra is empty
EXTRAS ?= test,lava
# the core suite without Lava: `make test-core`
CORE_PYTHON ?= python3.13
CORE_VENV   ?= .venv313

PYVER       := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ifeq ($(PYVER),)
$(error $(PYTHON) not found: set PYTHON to a CPython 3.10-3.13 interpreter)
endif
CONSTRAINTS := constraints/py$(PYVER).txt
STAMP       := $(VENV)/.installed

.PHONY: train test test-all test-core venv lock clean-venv

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c $(CONSTRAINTS) -e '.[$(EXTRAS)]'
	touch $(STAMP)

constraints/py%.txt:
	@echo "no $@ (Python $(PYVER) untested): write it with make lock PYTHON=$(PYTHON)"; exit 1

venv: $(STAMP)

train: $(STAMP)
	$(VENV)/bin/lava-bioadam train configs/digits.yaml --backend lava-fixed

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

test-all: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "slow or not slow"

# The suite on $(CORE_PYTHON) without Lava: the tests marked `lava` are skipped
# with the reason printed.
test-core:
	$(MAKE) test PYTHON=$(CORE_PYTHON) VENV=$(CORE_VENV) EXTRAS=test

# Write $(CONSTRAINTS) for $(PYTHON) from a scratch venv: keeps the versions already
# in it (adding any new dependency); UPGRADE=1 resolves the newest versions that
# pyproject.toml allows. E.g. `make lock PYTHON=python3.12 UPGRADE=1`.
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install -q \
	    $(if $(UPGRADE),,$(if $(wildcard $(CONSTRAINTS)),-c $(CONSTRAINTS))) -e '.[test,lava]'
	mkdir -p constraints
	{ echo "# Exact versions tested on Python $(PYVER); written by: make lock PYTHON=$(PYTHON)"; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS)
	rm -rf $(LOCK_VENV)

clean-venv:
	rm -rf $(VENV) $(CORE_VENV)
