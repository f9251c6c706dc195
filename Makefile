# The two commands a newcomer needs:  make run  (install and serve)  and  make test  (install and test).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench system worker

run: $(VENV)/.runtime
	$(VENV)/bin/uvicorn app.main:app --host $(HOST) --port $(PORT)

# pytest-xdist: one worker per core, each with its own server, Chromium and redis-server; a test
# module stays on one worker (its module fixtures are built once). About 13 minutes on 2 cores.
test: lint system
	$(VENV)/bin/pytest -n auto --dist loadscope

# Lint and format checks, Python (ruff) and JavaScript (Biome, biome.json); `make format` fixes formatting.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node_modules/.bin/biome ci static/js

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	node_modules/.bin/biome check --write static/js

bench: $(VENV)/.runtime
	$(PY) -m benchmarks

$(VENV)/.runtime: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt package.json package-lock.json
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	npm ci --no-audit --no-fund --silent
	touch $(VENV)/.runtime $@

# A queue worker of the Redis job backend (NATURALLY_JOB_BACKEND=redis; see README).
worker: $(VENV)/.runtime
	$(PY) -m app.jobs.worker

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here); the
# Redis backend's tests start Debian's redis-server on a free loopback port.
system:
	@command -v chromium >/dev/null && command -v redis-server >/dev/null \
	  && fc-list | grep -qi "noto sans cjk" || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium fonts-noto-cjk redis-server; }
