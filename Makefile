# Two commands: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := compliance

.PHONY: run test translations browser wrk bench extract clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/activate requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Compiled catalogues are build output (.mo files are not committed). Babel names the
# Simplified Chinese locale zh_Hans_CN, so the zh_CN catalogue is compiled there too.
translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d compliance/translations
	mkdir -p compliance/translations/zh_Hans_CN/LC_MESSAGES
	$(BIN)/pybabel compile -l zh_Hans_CN -i compliance/translations/zh_CN/LC_MESSAGES/messages.po \
	  -o compliance/translations/zh_Hans_CN/LC_MESSAGES/messages.mo

# Browser tests drive Debian's Chromium; install it when it is missing and we may.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium chromium-driver" >&2; exit 1; fi; }

# The clock-in load benchmark drives gunicorn with wrk (Debian package `wrk`).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi; }

run: $(VENV)/.runtime translations
	$(BIN)/flask init-db
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(VENV)/.dev translations browser
	$(BIN)/python -m pytest -n auto --dist loadfile

bench: $(VENV)/.dev translations wrk
	@missed=""; for b in bench/bench_*.py; do echo "== $$b"; \
	  $(BIN)/python $$b || missed="$$missed $$b"; done; \
	  if [ -n "$$missed" ]; then echo "goals missed or failed:$$missed"; exit 1; fi

# Refresh the message catalogues after changing user-facing strings.
extract: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output -o compliance/translations/messages.pot .
	$(BIN)/pybabel update -i compliance/translations/messages.pot -d compliance/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache
