# The two commands a new user needs: `make demo` and `make test`. Both create .venv and install
# what pyproject.toml declares, so a fresh machine needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: demo test lint install run migrate messages screenshots clean backup restore bench load

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

## Run the app on SQLite with the demo province at http://127.0.0.1:8000, and a worker for its jobs
## (imports, large returns, housekeeping) beside it; Ctrl+C stops both.
demo: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py housekeeping --schedule
	@echo "Đăng nhập / log in: tochuc, tochuc_huyen, lanhdao, bithu, admin — mật khẩu / password: demo1234"
	$(PY) manage.py db_worker --no-reload --interval 0.5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

## Run the whole test suite (SQLite; set DATABASE_URL=postgres://... for PostgreSQL)
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## Lint and formatting (ruff, configured in pyproject.toml); .ci/run runs it before the tests
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Retake the README's screenshots (docs/screenshots/) with the browser tests
screenshots: install
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser

## Back up the whole database (DATABASE_URL): PostgreSQL with pg_dump -Fc, SQLite with dumpdata, into backups/
backup: install
	$(PY) manage.py backup $(if $(FILE),--output $(FILE))

## Replace the whole database with a backup: make restore FILE=backups/ptdv-....dump (or .json.gz)
restore: install
	@test -n "$(FILE)" || { echo "Cần FILE=đường-dẫn-bản-sao-lưu"; exit 2; }
	$(PY) manage.py restore $(FILE)

## Benchmarks on the large data (see BENCHMARKS.md): DATABASE_URL=... make bench; LOAD_DATABASE_URL=... make load
bench: install
	$(PY) manage.py bench --repeat $(or $(REPEAT),5)

load: install
	$(PY) -m pip install --quiet -e '.[test,bench]'
	benchmarks/load.sh

## Rebuild the English catalogue after changing strings (needs GNU gettext)
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
