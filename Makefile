# The front door. `make demo` runs the main job, `make test` runs every test, `make dist` builds every artifact.
# Each component owns a Makefile of its own; this one installs prerequisites and delegates.
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export REDBEAT_VENV := $(VENV)
# make dist writes every artifact here (packaging/ installs them from it)
export REDBEAT_DIST := $(ROOT)/dist

# Components in dependency order; a component joins by having a Makefile.
# packaging/ comes last: it builds dist/ and uses every artifact as a user would (packaging/README.md).
COMPONENTS := tools/topologies python scheduler conformance clients/js clients/go chaos packaging
PRESENT := $(foreach c,$(COMPONENTS),$(if $(wildcard $(c)/Makefile),$(c)))
having = $(foreach c,$(PRESENT),$(if $(shell grep -s '^$(1):' $(c)/Makefile),$(c)))

.PHONY: all demo test test-slow chaos dist bench bench-full generate check-generated vectors check-vectors conformance redis postgres venv \
	lint fmt clean chromium screenshots
all: test

redis: ## Debian's redis-server, installed when missing
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null; }
	@redis-server --version

# The dashboard's browser tests drive Debian's chromium through Playwright (`playwright install` downloads a
# browser of its own, which this project never does).
CHROMIUM := /usr/bin/chromium
chromium: ## Debian's chromium, installed when missing
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@$(CHROMIUM) --version 2>/dev/null

# the import tests' database (python/tests/test_import_*): tools/topologies starts its own cluster on a free port
# (the package's own `main` cluster on port 5432 is not created: nothing but our tests' servers runs)
postgres: ## Debian's postgresql (initdb, postgres), installed when missing
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { mkdir -p /etc/postgresql-common/createcluster.d \
		&& echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/redbeat-sdk.conf \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@ls -d /usr/lib/postgresql/*/bin | tail -n 1

venv: $(VENV)/.stamp
# tools/topologies (the tests' Redis deployments, never published) is installed too: `import topologies` and
# `python -m topologies` work from every test suite, script and other language's tests.
$(VENV)/.stamp: python/pyproject.toml python/requirements-dev.txt python/requirements-test.txt $(wildcard scheduler/pyproject.toml) tools/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r python/requirements-dev.txt -e "./python[cli,web]" $(if $(wildcard scheduler/pyproject.toml),-e ./scheduler) -e ./tools
	touch $@

# The linters, the generated code and the Celery-generated vectors, then every component, going on after
# one fails; each step's wall time and a summary table; exit 1 if any failed.
test: redis chromium postgres venv
	@MAKE="$(MAKE)" tools/each-component test .:lint .:check-generated .:check-vectors $(PRESENT)

# Python (ruff: ruff.toml; mypy: each package's own settings), then each component's own linters (eslint and
# prettier for clients/js; gofmt, go vet and staticcheck for clients/go). Runs them all, then fails if one did.
lint: venv
	@failed=; \
	$(VENV)/bin/ruff check --quiet . || failed="$$failed ruff-check"; \
	$(VENV)/bin/ruff format --check --quiet . || { echo "(make fmt reformats them)"; failed="$$failed ruff-format"; }; \
	for c in $(call having,lint); do $(MAKE) -s -C $$c lint || failed="$$failed $$c"; done; \
	if [ -n "$$failed" ]; then echo "lint FAILED:$$failed"; exit 1; fi

fmt: venv ## format every language: ruff (imports sorted too), prettier, gofmt
	$(VENV)/bin/ruff check --quiet --select I --fix .
	$(VENV)/bin/ruff format --quiet .
	@for c in $(call having,fmt); do $(MAKE) -s -C $$c fmt; done

test-slow: redis venv ## the long cases (30 s outages) of components that have them
	@MAKE="$(MAKE)" tools/each-component test-slow $(call having,test-slow)

chaos: redis venv ## the full chaos scenarios (~30 min, chaos/README.md): one table, figures into scheduler/README.md
	$(MAKE) -C chaos chaos

# The wheels and sdists of python/ and scheduler/, the npm tarball of clients/js, the Go module zip of
# clients/go, all in dist/ (rebuilt from scratch: nothing stale is left beside them).
dist: venv
	rm -rf $(REDBEAT_DIST)
	@set -e; for c in $(call having,dist); do echo "=== dist $$c"; $(MAKE) -C $$c dist DIST=$(REDBEAT_DIST); done
	@ls -l $(REDBEAT_DIST)

demo: redis venv
	timeout 120 $(PY) demo/demo.py

# The dashboard's pages in a real browser, as PNG files in build/web/ (README's screenshot is one of them).
screenshots: redis chromium venv
	$(PY) demo/screenshots.py $(ROOT)/build/web

bench: redis venv
	@set -e; for c in $(PRESENT); do if grep -q '^bench:' $$c/Makefile; then echo "=== bench $$c"; $(MAKE) -C $$c bench; fi; done

bench-full: redis venv
	@set -e; for c in $(PRESENT); do if grep -q '^bench-full:' $$c/Makefile; then $(MAKE) -C $$c bench-full; fi; done

conformance: redis venv
	$(MAKE) -C conformance conformance

generate: venv
	@tools/lua-parts
	@set -e; for c in $(PRESENT); do if grep -q '^generate:' $$c/Makefile; then $(MAKE) -C $$c generate; fi; done

check-generated: venv
	@tools/lua-parts --check
	@set -e; for c in $(PRESENT); do if grep -q '^check-generated:' $$c/Makefile; then $(MAKE) -C $$c check-generated; fi; done

vectors: venv ## regenerate the Celery-generated vectors (next runs, crontab fields; beat's task messages)
	$(MAKE) -C conformance vectors
	$(MAKE) -C scheduler vectors

check-vectors: venv ## fail when the Celery-generated vectors drift from their generators (~1 min of CPU)
	$(MAKE) -C conformance check-vectors

.PHONY: upstream-dumps check-upstream-dumps
upstream-dumps: redis venv ## rewrite upstream's raw Redis dumps (conformance/upstream/) by running celery-redbeat 2.4.2
	$(MAKE) -C conformance upstream-dumps

check-upstream-dumps: redis venv ## fail when those dumps drift from what their generator writes
	$(MAKE) -C conformance check-upstream-dumps

clean:
	rm -rf $(VENV) $(REDBEAT_DIST)
