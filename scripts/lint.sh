#!/usr/bin/env bash
# Lint and type checks (`make lint`, and the first step of `make test`); configured in pyproject.toml.
# Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

step() { printf '\n== %s\n' "$*"; }

step "ruff: pyflakes, isort, bugbear, pyupgrade"
$BIN/ruff check bot actions tests

step "mypy: bot/ and actions/ (app env)"
$BIN/mypy

# bot/engine/ runs inside the Rasa server: check it against the engine env's packages
# (pyproject.toml excludes it from the run above, so its files are named here).
step "mypy: bot/engine/ (engine env)"
mapfile -t engine_files < <(find bot/engine -name '*.py' | sort)
$BIN/mypy --python-executable .venv-engine/bin/python --cache-dir .mypy_cache/engine "${engine_files[@]}"
