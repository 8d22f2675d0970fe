# The newcomer path: `make demo` and `make test` do all the set-up on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: venv demo test test-sqlite test-postgresql test-django42 lint format docs benchmarks bench-venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_deliver

# Every test runs on SQLite, then on PostgreSQL (DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/test); test ids end in [sqlite] or [postgresql].
test: venv
	DNS_TEST_DB=sqlite $(PY) -m pytest
	DNS_TEST_DB=postgresql $(PY) -m pytest

test-sqlite: venv
	DNS_TEST_DB=sqlite $(PY) -m pytest

test-postgresql: venv
	DNS_TEST_DB=postgresql $(PY) -m pytest

# The oldest supported Django (4.2 LTS) in a second venv, SQLite only: a cheap matrix leg.
VENV42 ?= .venv-django42
$(VENV42)/.installed-stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV42)
	$(VENV42)/bin/python -m pip install --quiet --upgrade pip
	$(VENV42)/bin/python -m pip install --quiet "Django>=4.2,<5.0" -e ".[all,dev]"
	touch $@

test-django42: $(VENV42)/.installed-stamp
	DNS_TEST_DB=sqlite $(VENV42)/bin/python -m pytest -q

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

docs: venv
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html

# The benchmarks' own environment: this package plus what the comparisons need
# (django-post-office for bench_smtp.py). Never a dependency of the package itself.
BENCH_VENV := benchmarks/.venv
bench-venv: $(BENCH_VENV)/.installed-stamp

$(BENCH_VENV)/.installed-stamp: pyproject.toml benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e ".[all,dev]" -r benchmarks/requirements.txt
	touch $@

# Every benchmarks/bench_*.py, each printing its figures (not a pass/fail test).
benchmarks: venv
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(VENV42) docs/_build demo/demo.sqlite3 .pytest_cache .ruff_cache
