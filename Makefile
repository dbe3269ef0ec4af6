# Chengyi Tracker — `make run` serves the site, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

# The suite runs on the machine's PostgreSQL and Redis (its own database and Redis DB number).
# In PYTEST_WORKERS processes (pytest-xdist; 0: one process), each with its own test database
# (test_chengyi_gw0, _gw1, ...) and its own Redis DB: TEST_REDIS_URL's number plus the worker's
# index (14 and 15 by default; Redis has 16 unless configured for more). At most 2 by default.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chengyi
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 2 ? n : 2 )))

# `make bench` has its own databases (chengyi_bench*, dropped and rebuilt at will) and Redis DB;
# never the test ones. BENCH_ARGS="--items 1000 --quick" for a quick run; --list names them.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chengyi_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13

# `make run`: embedded defaults — SQLite file, filesystem broker, mail written to var/mail/
# Every link in e-mails, .ics files and the calendar feed uses CHENGYI_SITE_URL: from PORT.
SITE_URL ?= http://127.0.0.1:$(PORT)
RUN_ENV := DJANGO_DEBUG=1 CHENGYI_DEMO=1 DJANGO_SETTINGS_MODULE=tracker.settings \
  CHENGYI_SITE_URL=$(SITE_URL) DJANGO_LOG_FORMAT=plain

.PHONY: run test test-steps lint format messages makemessages fixtures bench bench-peers services install clean compose-check loadtest lock nginx-check

# Every dependency, transitive ones included, is pinned with its hashes in the lock files,
# made from pyproject.toml by `make lock`: requirements.lock (the app: the Dockerfile) and
# requirements-dev.lock (the app and its tests: make run, make test, CI).
LOCK_VENV := .venv-lock
UV_VERSION := 0.13.9

$(STAMP): requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $(STAMP)

# Regenerates both lock files from pyproject.toml (newest versions that satisfy its pins).
lock:
	test -x $(LOCK_VENV)/bin/uv || ($(PYTHON) -m venv $(LOCK_VENV) \
	  && $(LOCK_VENV)/bin/pip install --quiet uv==$(UV_VERSION))
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	  --quiet -o requirements.lock
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
	  --python-version 3.11 --quiet -o requirements-dev.lock

install: $(STAMP)

messages: $(STAMP)
	$(PY) scripts/compile_messages.py

makemessages: $(STAMP)
	$(RUN_ENV) $(PY) manage.py makemessages -l zh_Hans -l en --no-location --no-obsolete \
	  --ignore ".venv/*" --ignore "static/*" --ignore "bench/*" --ignore "tests/*" --ignore "scripts/*"
	$(MAKE) messages

fixtures: $(STAMP)
	$(PY) scripts/build_agreement_fixture.py

run: $(STAMP) messages
	mkdir -p var/broker/out var/broker/processed var/mail
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py setup_site --demo
	@echo
	@echo "  Chengyi Tracker: http://127.0.0.1:$(PORT)/   (Ctrl-C stops the server, worker and beat)"
	@echo "  Sign in as admin, cd_coordinator, yb_coordinator, supervisor or leader; password: $${DEMO_PASSWORD:-chengyi-demo}"
	@echo
	$(RUN_ENV) PORT=$(PORT) PY=$(PY) scripts/run_dev.sh

services:
	scripts/ensure_services.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Validates docker-compose.yml (keys, types, env file) without a Docker engine, using
# .env.example as the .env a deployment would have.
compose-check:
	@d=$$(mktemp -d) && cp -r docker-compose.yml Dockerfile deploy $$d/ && cp .env.example $$d/.env \
	  && (cd $$d && docker-compose config -q); rc=$$?; rm -rf $$d; exit $$rc
	@echo "docker-compose.yml is valid"

# The reverse proxy's configuration (deploy/nginx/nginx.conf), checked by Debian's nginx.
nginx-check:
	nginx -t -q -c $(CURDIR)/deploy/nginx/nginx.conf
	@echo "deploy/nginx/nginx.conf is valid"

# The whole of it (install, lint, checks, pytest) is timed: the last line says how long it took.
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory test-steps; rc=$$?; \
	  s=$$(( $$(date +%s) - start )); \
	  echo "make test: $$((s / 60)) min $$((s % 60)) s in all (lint, checks and pytest), exit status $$rc"; \
	  exit $$rc

test-steps: $(STAMP) messages services lint compose-check nginx-check
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) \
	DJANGO_SECRET_KEY=test-only-secret DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1,testserver \
	DJANGO_ALLOW_ASYNC_UNSAFE=true \
	$(PY) -m pytest -n $(PYTEST_WORKERS) --durations=20 $(PYTEST_ARGS)

bench: $(STAMP) messages services
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) CELERY_BROKER_URL=$(BENCH_REDIS_URL) \
	$(PY) -m bench $(BENCH_ARGS)

# Our pages against Redmine's on the same 10,000 items: installs Debian's redmine, redmine-pgsql
# and puma on first use (as root), serves it on loopback for the run only. REDMINE_DATABASE
# names Redmine's database (default redmine_bench, made when missing).
bench-peers: $(STAMP) messages services
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) CELERY_BROKER_URL=$(BENCH_REDIS_URL) \
	$(PY) -m bench --peers $(BENCH_ARGS)

# Locust lives in its own virtualenv: it is a client, not part of the app.
LOADTEST_VENV := .venv-loadtest
$(LOADTEST_VENV)/bin/locust:
	$(PYTHON) -m venv $(LOADTEST_VENV)
	$(LOADTEST_VENV)/bin/pip install --quiet locust==2.47.0

# 50 users reading and reporting for five minutes against gunicorn on loopback; fails on any
# error or lost update. LOADTEST_USERS, LOADTEST_DURATION, LOADTEST_DATABASE_URL override.
loadtest: $(STAMP) messages services $(LOADTEST_VENV)/bin/locust
	LOCUST=$(LOADTEST_VENV)/bin/locust $(PY) scripts/loadtest/run.py

clean:
	rm -rf $(VENV) $(LOADTEST_VENV) $(LOCK_VENV) var staticfiles db.sqlite3*
