# KPO Desk: two commands do everything on a fresh machine with Python 3.11+ and make.
#   make run    build the virtualenv, migrate, load demo data, serve http://127.0.0.1:8000
#   make test   the whole test suite (SQLite + eager Celery, or PostgreSQL + Redis + a real worker
#               when DATABASE_URL and REDIS_URL are set)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv system-check run migrate seed test lint format worker beat bench screenshots report-pages messages clean

help:
	@echo "make run     serve the demo app on http://$(HOST):$(PORT) (SQLite, Celery eager)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff check and format check"
	@echo "make worker  a Celery worker (needs REDIS_URL)"
	@echo "make beat    the Celery beat scheduler (needs REDIS_URL)"
	@echo "make bench   the benchmarks"
	@echo "make screenshots   PNGs of the main pages of each role (needs /usr/bin/chromium)"
	@echo "make report-pages  PNGs of the demo report's PDF pages (needs pdftoppm)"
	@echo "make messages      refresh and compile the French translation (needs GNU gettext)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "KPO Desk needs Python 3.11 or newer; found " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# WeasyPrint needs Pango from the system; say exactly how to get it instead of failing later.
system-check: $(STAMP)
	@$(PY) -c 'import weasyprint' 2>/dev/null || { \
	  echo ""; \
	  echo "WeasyPrint cannot load the Pango library it needs to render PDFs."; \
	  echo "  Debian/Ubuntu: sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	  echo "  Fedora:        sudo dnf install -y pango"; \
	  echo "  macOS:         brew install pango"; \
	  echo "Then run the make command again."; \
	  exit 1; }

migrate: system-check
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "KPO Desk is starting on http://$(HOST):$(PORT)/"
	@echo "Demo logins (password: kpo-demo):"
	@echo "  client.staff@demo.kpo        client staff (law firm)"
	@echo "  client.sme@demo.kpo          client SME reviewer (law firm)"
	@echo "  client2.staff@demo.kpo       client staff (insurer, for isolation)"
	@echo "  provider.manager@demo.kpo    provider manager (India)"
	@echo "  provider.analyst@demo.kpo    provider analyst (India)"
	@echo "  provider2.manager@demo.kpo   provider manager (Philippines)"
	@echo "  consultant.exec@demo.kpo     consultant: executive"
	@echo "  consultant.analyst@demo.kpo  consultant: analyst"
	@echo "  consultant.broker@demo.kpo   consultant: broker"
	@echo "  consultant.recruiter@demo.kpo consultant: recruiter"
	@echo "  admin@demo.kpo               platform operator (also /admin/)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: system-check
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: system-check
	$(VENV)/bin/celery -A kpo worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A kpo beat --loglevel=INFO

bench: system-check
	@if ls bench/bench_*.py >/dev/null 2>&1; then \
	  for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done; \
	else echo "no benchmarks yet"; fi

screenshots: system-check
	KPO_SCREENSHOTS=1 $(PY) -m pytest tests/browser -k screenshots -p no:cacheprovider
	@echo "Screenshots: $(CURDIR)/screenshots/"

report-pages: seed
	$(PY) manage.py render_demo_report --png-dir reports-png
	@echo "Report pages: $(CURDIR)/reports-png/"

messages: $(STAMP)
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages -l fr --ignore=.venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
