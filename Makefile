# Effortless — the two commands are `make run` and `make test`; the rest are their parts.
.PHONY: run test lint venvs test-deps train migrate validate kb-check kb-reload bench bench-load clean help

PY := .venv/bin/python
RASA := .venv-engine/bin/rasa
TRAINING_DATA := data/nlu data/rules data/stories
export PYTHONPATH := $(CURDIR)

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: venvs  ## install if needed, train if needed, migrate, start everything, print the URLs
	@$(PY) -m bot run

test: test-deps  ## install what the tests need, then lint, validate data, pytest, conversation tests
	@scripts/test.sh

lint:  ## ruff and mypy (configured in pyproject.toml); also the first step of `make test`
	@scripts/bootstrap.sh --test
	@scripts/lint.sh

venvs:  ## create/refresh .venv-engine and .venv from the lock files (no-op when up to date)
	@scripts/bootstrap.sh

test-deps:
	@scripts/bootstrap.sh --test
	@scripts/install_services.sh
	@scripts/install_browser.sh

train: venvs  ## train the Rasa model if config, domain or data changed
	@$(PY) -m bot train

migrate: venvs  ## apply database migrations
	@$(PY) -m bot migrate

validate: venvs  ## rasa data validate
	@$(RASA) data validate --domain domain.yml --data $(TRAINING_DATA) --config config.yml

kb-check: venvs  ## check every knowledge-base article, one problem per line
	@$(PY) -m bot kb check

kb-reload: venvs  ## rebuild the KB index now (the running stack picks it up without a restart)
	@$(PY) -m bot kb reload

bench: venvs  ## start-up, memory and reply-latency benchmark of the whole stack
	@$(PY) -m bot bench-stack

bench-load:  ## Locust load test of a stack started for it (LOAD_ARGS="--users 100 --minutes 2"; docs/load-testing.md)
	@scripts/bootstrap.sh --test
	@$(PY) -m bot bench-load $(LOAD_ARGS)

clean:  ## remove trained models, test artefacts and caches (keeps var/ and the venvs)
	rm -rf models/*.tar.gz results tests/artifacts .pytest_cache
