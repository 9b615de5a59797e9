#!/usr/bin/env bash
# The test suite behind `make test` (and CI's .ci/run): lint and type checks, data validation,
# pytest (unit, actions, end to end), and Rasa conversation tests. Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA=.venv-engine/bin/rasa
PY=.venv/bin/python
TRAINING_DATA=(data/nlu data/rules data/stories)
# endpoints.yml reads these; the conversation tests never call them.
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:5055/webhook}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite://}"

step() { printf '\n== %s\n' "$*"; }

scripts/lint.sh

step "train the Rasa model if needed"
$PY -m bot train

step "rasa data validate"
$RASA data validate --domain domain.yml --data "${TRAINING_DATA[@]}" --config config.yml

step "pytest"
set +e
$PY -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

step "rasa test: conversation tests"
model=$($PY -m bot train 2>/dev/null | tail -n 1)
rm -rf results/conversations
# --e2e: each customer line goes through the NLU too, so a misread intent fails the test (Rasa then reads
# only files named test_*.yml).
$RASA test core --model "$model" --stories tests/conversations --e2e --fail-on-prediction-errors \
  --out results/conversations
echo "conversation tests passed"
