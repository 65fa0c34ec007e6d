# Two commands a user needs: `make run` (the main job on the bundled sample) and `make test`.
# Both bootstrap a project-local virtualenv (.venv) from the pinned lock file on first use.
PYTHON ?= python3.11
VENV := .venv
UV_VERSION := 0.13.8
UV := .tools/bin/uv
STAMP := $(VENV)/.installed
export UV_PYTHON_DOWNLOADS := never
export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
AIRFLOW_PORT ?= 8080

.PHONY: run test lint bench airflow lock clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# The editable install compiles the Cython kernels (pipeline/kernels/*.pyx, and the *.pxd they cimport) in
# place: editing one re-runs it.
$(STAMP): requirements.lock pyproject.toml setup.py $(wildcard pipeline/kernels/*.pyx pipeline/kernels/*.pxd) | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --compile-bytecode --python $(VENV)/bin/python --require-hashes requirements.lock
	$(UV) pip install --quiet --python $(VENV)/bin/python --no-deps --config-settings editable_mode=compat -e .
	# Bytecode of the project's own modules too (an editable install has none): where
	# PYTHONDONTWRITEBYTECODE is set, every run would otherwise compile them again (~0.1-0.2 s).
	$(VENV)/bin/python -m compileall -q pipeline dags
	touch $(STAMP)

## The main job: bundled sample (data/raw/sample) -> data/processed, today's date partition.
run: $(STAMP)
	$(VENV)/bin/newsetl run

## The test suite (what CI runs).
test: $(STAMP)
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline dags tests bench

bench: $(STAMP)
	$(VENV)/bin/python -m bench

## Airflow 3 with this project's DAGs (`airflow standalone`: api-server on 127.0.0.1:$(AIRFLOW_PORT),
## scheduler, dag-processor, triggerer; SQLite in $(AIRFLOW_HOME)). Ctrl-C stops it.
# standalone starts each component as a bare `airflow` command, so the venv's bin goes first on PATH.
# It runs in a session of its own (setsid, where there is one), so that one Ctrl-C stops all of it:
# SIGINT, then SIGTERM and SIGKILL to whatever is left after 20 s each. Airflow 3.3's scheduler or
# triggerer can hang on shutdown (apache/airflow#67870), and Ctrl-\ only makes Airflow print stacks.
airflow: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
airflow: export AIRFLOW__API__HOST := 127.0.0.1
airflow: export AIRFLOW__API__PORT := $(AIRFLOW_PORT)
airflow: export AIRFLOW__API__BASE_URL := http://127.0.0.1:$(AIRFLOW_PORT)
airflow: $(STAMP)
	@echo "newsetl: Airflow on http://127.0.0.1:$(AIRFLOW_PORT) - log in as admin, password in" \
		"$(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated (printed below on the first start)." \
		"Ctrl-C stops Airflow."
	@$$(command -v setsid) airflow standalone & group=$$!; \
	stop() { for sig in INT TERM KILL; do \
		kill -$$sig -$$group 2>/dev/null || return 0; \
		for _ in $$(seq 20); do kill -0 -$$group 2>/dev/null || return 0; sleep 1; done; \
	done; }; \
	trap 'echo "newsetl: stopping Airflow"; stop; exit 130' INT TERM; \
	wait $$group; stop

## Re-pin dependencies after editing pyproject.toml.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --all-extras --python-version 3.11 --generate-hashes \
		--no-emit-index-url --no-header --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .tools .airflow
