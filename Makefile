# The front door. `make demo` runs the main job, `make test` runs every test.
# Each component owns a Makefile of its own; this one installs prerequisites and delegates.
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export REDBEAT_VENV := $(VENV)

# Components in dependency order; a component joins by having a Makefile.
COMPONENTS := python scheduler conformance clients/js clients/go
PRESENT := $(foreach c,$(COMPONENTS),$(if $(wildcard $(c)/Makefile),$(c)))

.PHONY: all demo test test-slow bench bench-full generate check-generated vectors check-vectors conformance redis venv clean
all: test

redis: ## Debian's redis-server, installed when missing
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null; }
	@redis-server --version

venv: $(VENV)/.stamp
$(VENV)/.stamp: python/pyproject.toml python/requirements-dev.txt python/requirements-test.txt $(wildcard scheduler/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r python/requirements-dev.txt -e "./python[cli]" $(if $(wildcard scheduler/pyproject.toml),-e ./scheduler)
	touch $@

test: redis venv
	@set -e; for c in $(PRESENT); do echo "=== test $$c"; $(MAKE) -C $$c test; done

test-slow: redis venv ## the long cases (30 s outages) of components that have them
	@set -e; for c in $(PRESENT); do if grep -q '^test-slow:' $$c/Makefile; then $(MAKE) -C $$c test-slow; fi; done

demo: redis venv
	timeout 120 $(PY) demo/demo.py

bench: redis venv
	@set -e; for c in $(PRESENT); do if grep -q '^bench:' $$c/Makefile; then echo "=== bench $$c"; $(MAKE) -C $$c bench; fi; done

bench-full: redis venv
	@set -e; for c in $(PRESENT); do if grep -q '^bench-full:' $$c/Makefile; then $(MAKE) -C $$c bench-full; fi; done

conformance: redis venv
	$(MAKE) -C conformance conformance

generate: venv
	@set -e; for c in $(PRESENT); do if grep -q '^generate:' $$c/Makefile; then $(MAKE) -C $$c generate; fi; done

check-generated: venv
	@set -e; for c in $(PRESENT); do if grep -q '^check-generated:' $$c/Makefile; then $(MAKE) -C $$c check-generated; fi; done

vectors: venv ## regenerate the Celery-generated vectors (next runs, crontab fields)
	$(MAKE) -C conformance vectors

check-vectors: venv ## fail when the Celery-generated vectors drift from their generators
	$(MAKE) -C conformance check-vector-drift

.PHONY: upstream-dumps check-upstream-dumps
upstream-dumps: redis venv ## rewrite upstream's raw Redis dumps (conformance/upstream/) by running celery-redbeat 2.4.2
	$(MAKE) -C conformance upstream-dumps

check-upstream-dumps: redis venv ## fail when those dumps drift from what their generator writes
	$(MAKE) -C conformance check-upstream-dumps

clean:
	rm -rf $(VENV)
