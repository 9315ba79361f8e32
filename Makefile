# Zhongcao: `make run` serves the app, `make test` runs every test. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test install translations lint serve worker clean-venv extract-messages

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

serve: install
	$(BIN)/flask db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py 'app:create_app()'

test: install
	$(BIN)/ruff check .
	$(BIN)/python -W error::SyntaxWarning -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean-venv:
	rm -rf $(VENV)
