# 科技大市场 backend — developer and CI entry points. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp
RUN_STAMP := $(VENV)/.requirements-run.stamp
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --quiet

# The test suite runs against the machine's PostgreSQL and Redis (Redis db 15 keeps test keys apart).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/marketplace
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: help venv run-venv run test fuzz smoke lint fmt bench services browser migrate demo manage client clean \
	backup restore backup-drill scale-demo scale-up

help:
	@echo "make venv      create $(VENV) and install requirements-dev.txt (again only when requirements change)"
	@echo "make run-venv  only what make run needs: requirements-run.txt (runtime + embedded servers), no dev tools"
	@echo "make run       dev server: embedded PostgreSQL + Redis under var/ (unless DATABASE_URL/REDIS_URL are set),"
	@echo "               migrate, static, demo data, gunicorn :\$${PORT:-8000} + Celery worker + beat; Ctrl-C stops all"
	@echo "               MARKET_REPLICA=1 make run: also a hot standby of it that reports and exports read from"
	@echo "make test      pytest against the machine's PostgreSQL/Redis on 127.0.0.1 (PYTEST_ARGS=... to pass flags)"
	@echo "make fuzz      schemathesis on every API operation as operator, enterprise user and anonymous, longer than"
	@echo "               make test's run (FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) per operation, FUZZ_MODES=$(FUZZ_MODES)); prints a summary"
	@echo "make smoke     boot 'make run' headless with throwaway data in var/smoke, probe it, Ctrl-C it, check no leftovers"
	@echo "make lint      ruff check, ruff format --check, mypy apps, lint-imports (the declared app order),"
	@echo "               migrations unsafe under load (manage.py check_migrations_safety, docs/migrations.md)"
	@echo "make fmt       ruff format + ruff check --fix"
	@echo "make bench     run every bench/*/run.py"
	@echo "make services  start the machine's PostgreSQL, Redis and RabbitMQ on 127.0.0.1 if they are down"
	@echo "make browser   install Debian's chromium and a Chinese font for the dashboard's browser test if missing"
	@echo "make migrate   manage.py migrate against the same data stores as 'make run'"
	@echo "make demo      manage.py load_demo_data against the same data stores as 'make run'"
	@echo "make manage ARGS='createsuperuser'   any manage.py command, same data stores"
	@echo "make client    generate the typed Python client (openapi-python-client) from the schema into var/client"
	@echo "make backup    pg_dump (custom format) of DATABASE_URL + a tar of DJANGO_MEDIA_ROOT + a manifest, into var/backups"
	@echo "make restore BACKUP=var/backups/<time> TARGET_URL=postgres://…/new_db [TARGET_MEDIA=dir] [FORCE=1]"
	@echo "make backup-drill  back up, restore into a fresh database, compare counts and checksums (exit 1 on a difference)"
	@echo "make scale-demo  2 web instances, 2 workers, 2 beats as separate process groups (var/scale/<name>), sharing only"
	@echo "               PostgreSQL, RabbitMQ and Redis: beat lock, index agreement, load test (bench/scale/results); stops all"
	@echo "make scale-up  the same processes, kept running until Ctrl-C (SCALE_ARGS='--web 3 --workers 2' to resize)"
	@echo "make clean     remove caches, collected static files and smoke-test data (keeps var/postgres, var/redis)"

# --- Environment -------------------------------------------------------------------------------

venv: $(STAMP)
run-venv: $(RUN_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when a requirements file is newer than the stamp. `make run` (and migrate, demo, manage,
# smoke) need only requirements-run.txt: a first run does not wait for the test and lint tools
# (requirements-dev.txt, which includes it; installing it satisfies the run stamp too).
$(RUN_STAMP): requirements.txt requirements-run.txt | $(PY)
	$(PIP_INSTALL) -r requirements-run.txt
	@touch $@

$(STAMP): requirements.txt requirements-run.txt requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(RUN_STAMP)

services:
	@if ! pg_isready -q -h 127.0.0.1; then \
		echo "starting PostgreSQL…"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n 1) main start; \
	fi
	@for _ in $$(seq 60); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done; pg_isready -h 127.0.0.1
	@if [ "$$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" != PONG ]; then \
		echo "starting Redis…"; \
		redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	fi
	@for _ in $$(seq 60); do [ "$$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ] && break; sleep 0.5; done; \
		[ "$$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = PONG ] && echo "127.0.0.1:6379 - redis answers PONG"
	@# RabbitMQ, the production broker: the task and effect tests run against it too (tests/workers.py).
	@if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then \
		echo "starting RabbitMQ…"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO service rabbitmq-server start >/dev/null 2>&1 || $$SUDO rabbitmq-server -detached || true; \
	fi
	@for _ in $$(seq 120); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 0.5; done; \
		if (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then echo "127.0.0.1:5672 - RabbitMQ accepts connections"; \
		else echo "RabbitMQ does not answer on 127.0.0.1:5672 and could not be started (service rabbitmq-server start, rabbitmq-server -detached); the broker tests need it" >&2; exit 1; fi

# The dashboard's browser test drives Debian's Chromium headless (Playwright's own browser download
# does not work offline) with a Chinese font; both installed from the Debian archive when missing.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "installing Debian's chromium for the browser tests…"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get install -y -q chromium >/dev/null || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }; \
	fi
	@if [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		echo "installing a Chinese font for the browser tests…"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get install -y -q fonts-wqy-microhei >/dev/null || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q fonts-wqy-microhei; }; \
	fi
	@$(CHROMIUM) --version 2>/dev/null

# --- Running -----------------------------------------------------------------------------------

run: run-venv
	$(PY) deploy/devserver.py

migrate: run-venv
	$(PY) deploy/devserver.py manage migrate

demo: run-venv
	$(PY) deploy/devserver.py manage load_demo_data

manage: run-venv
	$(PY) deploy/devserver.py manage $(ARGS)

# --- Checks ------------------------------------------------------------------------------------

# pytest's own exit status is the target's: 5 ("no tests collected") fails the build too.
# Two pytest-xdist workers (TEST_WORKERS=0 runs in one process), idle ones stealing queued tests from the busy
# one (--dist worksteal: the slow tests at the end no longer leave one worker idle); each has its own test database
# (<name>_gw0, <name>_gw1) and Redis database (tests/environment.py); much of the suite waits on
# subprocesses, servers and PostgreSQL, so two workers overlap those waits even on two cores.
TEST_WORKERS ?= 2
test: venv services browser
	env -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND \
		DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The fuzz test of `make test` (3 positive examples per operation and actor), run longer and with
# negative (schema-violating) inputs too, then stateful call chains (tests/core/fuzz_stateful.py:
# FUZZ_STATEFUL_EXAMPLES scenarios per actor). Same PostgreSQL/Redis as `make test`.
FUZZ_EXAMPLES ?= 25
FUZZ_MODES ?= positive,negative
fuzz: venv services
	env -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND \
		DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_MODES=$(FUZZ_MODES) \
		$(PY) -m pytest -q -p no:cacheprovider --timeout=1800 --tb=short tests/core/test_schemathesis.py tests/core/fuzz_stateful.py $(PYTEST_ARGS)

smoke: run-venv
	$(PY) deploy/smoke.py

# mypy's Django plugin imports the settings, which need a secret key when DEBUG is off.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SECRET_KEY=lint-only-not-a-secret $(VENV)/bin/mypy apps
	$(VENV)/bin/lint-imports --no-cache
	DJANGO_SECRET_KEY=lint-only-not-a-secret $(PY) manage.py check_migrations_safety
	$(VENV)/bin/hadolint --config deploy/.hadolint.yaml deploy/Containerfile

fmt: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv services
	@shopt -s nullglob; found=0; \
	for script in bench/*/run.py; do \
		found=1; echo "== $$script"; $(PY) "$$script"; \
	done; \
	if [ $$found = 0 ]; then echo "no benchmarks yet (add bench/<name>/run.py)"; fi

# The typed Python client integrators can start from: the schema (manage.py spectacular), then
# openapi-python-client (pinned in requirements-dev.txt) into var/client/marketplace_client.
# tests/core/test_generated_client.py generates it the same way and walks the business path with it.
client: venv
	@mkdir -p var/client
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-schema-only-not-a-secret} $(PY) manage.py spectacular --file var/client/schema.yaml
	$(VENV)/bin/openapi-python-client generate --path var/client/schema.yaml --meta none --overwrite \
		--output-path var/client/marketplace_client --config deploy/client-config.yaml --fail-on-warning
	@echo "client in var/client/marketplace_client (PYTHONPATH=var/client python -c 'import marketplace_client')"

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .mypy_cache .ruff_cache var/static var/smoke var/smoke.log

# --- Backups (deploy/backup.py, deploy/README.md "Backups") ---------------------------------------
BACKUP ?=
TARGET_URL ?=
TARGET_MEDIA ?=
FORCE ?=

backup: run-venv
	$(PY) deploy/backup.py backup

restore: run-venv
	@if [ -z "$(BACKUP)" ] || [ -z "$(TARGET_URL)" ]; then echo "usage: make restore BACKUP=var/backups/<time> TARGET_URL=postgres://…/db [TARGET_MEDIA=dir] [FORCE=1]" >&2; exit 2; fi
	$(PY) deploy/backup.py restore "$(BACKUP)" --target-url "$(TARGET_URL)" \
		$(if $(TARGET_MEDIA),--target-media-root "$(TARGET_MEDIA)") $(if $(FORCE),--force)

backup-drill: run-venv
	$(PY) deploy/backup.py drill

# --- Scale-out on one machine (deploy/scale.py, deploy/README.md "Scale-out") ----------------------
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/market_scale
SCALE_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672//
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/0
SCALE_ARGS ?=
SCALE_ENV = DATABASE_URL=$(SCALE_DATABASE_URL) CELERY_BROKER_URL=$(SCALE_BROKER_URL) REDIS_URL=$(SCALE_REDIS_URL)

scale-demo: run-venv services
	$(SCALE_ENV) $(PY) deploy/scale.py demo $(SCALE_ARGS)

scale-up: run-venv services
	$(SCALE_ENV) $(PY) deploy/scale.py up $(SCALE_ARGS)
