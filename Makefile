# One-command entry points; see README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)

export CHAT_TEST_KAFKA_BOOTSTRAP ?= 127.0.0.1:9092
export CHAT_TEST_POSTGRES_DSN ?= postgresql://chat:chat@127.0.0.1:5432/chat_test
export CHAT_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

STACK_ENV := CHAT_KAFKA_BOOTSTRAP=$${CHAT_KAFKA_BOOTSTRAP:-127.0.0.1:9092} \
	CHAT_POSTGRES_DSN=$${CHAT_POSTGRES_DSN:-postgresql://chat:chat@127.0.0.1:5432/chat} \
	CHAT_REDIS_URL=$${CHAT_REDIS_URL:-redis://127.0.0.1:6379/0}

.PHONY: install run services chromium kcat stack test test-browser test-faults test-cluster redis-cluster lint clean-state bench

WEB_DEPS := web/node_modules/.package-lock.json

install: $(STAMP) $(WEB_DEPS)

# The browser code the page serves from this origin (tus-js-client), as locked.
$(WEB_DEPS): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	touch $@

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

run: install
	$(VENV)/bin/chatapp serve

services:
	scripts/services.sh up

chromium:
	scripts/chromium.sh

kcat:
	scripts/kcat.sh

stack: install services
	$(STACK_ENV) $(VENV)/bin/chatapp stack

# The Redis Cluster variants (mark redis_cluster) run in make test-cluster,
# the web client in Chromium in make test-browser.
test: install services kcat
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/faults --ignore=tests/cluster --ignore=tests/browser -m "not redis_cluster"

test-browser: install services chromium
	$(PY) -m pytest -q -p no:cacheprovider tests/browser

test-faults: install services
	$(PY) -m pytest -q -p no:cacheprovider tests/faults

# The tests on the clusters (three Kafka brokers, six Redis nodes, a
# PostgreSQL replica): scripts/test-cluster.sh.
test-cluster: install services
	PY=$(PY) scripts/test-cluster.sh

# The Redis Cluster of the tests (their fixtures start it too).
redis-cluster:
	scripts/redis-cluster.sh up

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy domain commands projections read_api ws_edge infra app

clean-state:
	scripts/redis-cluster.sh down
	scripts/services.sh down
	rm -rf .state

bench: install services
	$(PY) -m benchmarks.openloop
