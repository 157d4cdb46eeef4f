# The two commands of the README: `make demo` (build the workbooks and check them) and `make test`.
# Each creates the virtual environment .venv and installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test bench clean

demo: $(VENV)/.installed
	$(BIN)/xlgen build --out workbooks
	$(BIN)/xlgen check workbooks

test: $(VENV)/.installed
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.run

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,plot]'
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
