# Zhongcao: `make run` serves the app, `make test` runs every test. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test install translations lint audit serve worker load clean-venv extract-messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --no-compile: SyntaxWarnings in dependencies then surface when the tests import them.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d app/translations

extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract --ignore-dirs ".* __pycache__" -F babel.cfg -k _l -o app/translations/messages.pot app templates
	$(BIN)/pybabel -q update -N -i app/translations/messages.pot -d app/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask search verify
	$(BIN)/flask trust recompute
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# gunicorn with gunicorn.conf.py on PORT, 8000 unless set (5000 is only `make run`'s default).
serve: install
	$(BIN)/flask db upgrade
	PORT=$(if $(filter file,$(origin PORT)),8000,$(PORT)) $(BIN)/gunicorn -c gunicorn.conf.py 'app:create_app()'

# Background jobs on REDIS_URL: an RQ worker plus the periodic-job scheduler (app/jobs).
worker: install
	$(BIN)/flask jobs worker

test: install
	$(BIN)/ruff check .
	$(BIN)/python -W error::SyntaxWarning -m pytest $(PYTEST_ARGS)

# Mixed traffic against gunicorn with 4 workers on a fresh, seeded database (bench/load.py): SQLite,
# or LOAD_DATABASE_URL, a PostgreSQL database of its own whose tables it drops; REDIS_URL if set.
# Prints req/s and p50/p99 per kind; fails on any 5xx.
LOAD_SECONDS ?= 15
load: install
	$(BIN)/python bench/load.py --seconds $(LOAD_SECONDS) $(if $(LOAD_DATABASE_URL),--database-url '$(LOAD_DATABASE_URL)') \
		$(if $(REDIS_URL),--redis-url '$(REDIS_URL)') $(LOAD_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Static and dependency checks (CI runs them once, before the tests): bandit on app/ (settings in
# pyproject.toml) and pip-audit on constraints.txt, which needs network: .ci/audit_deps.py fails on a
# known vulnerability and only warns when the vulnerability service cannot be reached.
audit: $(STAMP)
	$(BIN)/bandit -q -r app -c pyproject.toml
	$(BIN)/python .ci/audit_deps.py

clean-venv:
	rm -rf $(VENV)
