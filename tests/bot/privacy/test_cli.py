"""``python -m bot customer export|erase|prune`` as an operator runs them: real processes, real stores."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.db import utcnow
from bot.settings import PROJECT_ROOT
from tests.bot.privacy.customers import NOA_CONVERSATIONS, NOA_EMAIL, NOA_TEXTS, OMAR_TEXTS


@pytest.fixture
def stores(sqlite_stores):
    """SQLite is enough here: the command line is the same on every database (test_erase.py covers PostgreSQL)."""
    return sqlite_stores


def customer(stores, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EFFORTLESS_VAR_DIR": str(stores.settings.var_dir),
           "DATABASE_URL": stores.settings.database_url, "TRACKER_STORE_URL": stores.settings.tracker_store_url}
    return subprocess.run([sys.executable, "-m", "bot", "customer", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_export_prints_the_customers_data_as_json(stores):
    stores.seed(utcnow() - timedelta(hours=1))

    result = customer(stores, "export", "--email", NOA_EMAIL.upper())

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["conversations"] == list(NOA_CONVERSATIONS)
    assert data["tickets"][0]["customer_email"] == NOA_EMAIL


def test_erase_needs_yes_then_erases_and_says_what_it_did(stores):
    stores.seed(utcnow() - timedelta(hours=1))
    before = stores.leftovers(*NOA_TEXTS)

    dry_run = customer(stores, "erase", "--email", NOA_EMAIL)
    assert dry_run.returncode == 1
    assert "nothing erased yet (add --yes to erase)" in dry_run.stdout
    assert "tickets: 1 would be anonymised" in dry_run.stdout
    assert stores.leftovers(*NOA_TEXTS) == before

    result = customer(stores, "erase", "--email", NOA_EMAIL, "--yes")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"erased e-mail {NOA_EMAIL}: 3 conversation(s), 1 ticket(s)",
        "tickets: 1 anonymised", "ticket_messages: 2 deleted", "helpdesk_events: 1 deleted",
        "escalation_requests: 1 deleted", "conversations: 2 deleted", "verification_codes: 1 deleted",
        "email_messages: 2 deleted", "customers: 2 anonymised", "customer_identities: 3 deleted",
        "customer_merges: 1 anonymised", "kb_queries: 3 anonymised", "resolutions: 2 anonymised",
        "survey_ratings: 1 anonymised", "zendesk_tickets: 1 anonymised", "rasa tracker events: 6 deleted",
    ]
    assert stores.leftovers(*NOA_TEXTS) == []
    assert stores.leftovers(*OMAR_TEXTS)


@pytest.mark.parametrize("args, code, message", [
    (["erase", "--email", "noa at example dot com", "--yes"], 2, "is not an e-mail address"),
    (["export", "--conversation", ""], 2, "a conversation id has 1 to 255 characters"),
    (["erase", "--email", "nobody@example.com", "--yes"], 1, "nothing is held about e-mail nobody@example.com"),
    (["export", "--conversation", "telegram:404"], 1, "nothing is held about conversation telegram:404"),
    (["erase", "--yes"], 2, "one of the arguments --email --conversation is required"),
    (["export", "--email", NOA_EMAIL, "--conversation", "rest:c3"], 2, "not allowed with argument"),
    (["prune", "--days", "0"], 2, "--days must be 1 or more"),
    (["forget"], 2, "invalid choice: 'forget'"),
])
def test_bad_or_unknown_input_is_refused_clearly_and_changes_nothing(stores, args, code, message):
    stores.seed(utcnow() - timedelta(hours=1))
    before = stores.leftovers(*NOA_TEXTS)

    result = customer(stores, *args)

    assert result.returncode == code
    assert message in result.stderr
    assert result.stdout == ""
    assert stores.leftovers(*NOA_TEXTS) == before


def test_a_database_without_the_schema_is_named_with_the_fix(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    env = {**os.environ, "EFFORTLESS_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "bot", "customer", "export", "--email", NOA_EMAIL], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert "run `python -m bot migrate`" in result.stderr


def test_prune_uses_retention_days_and_says_when_it_is_off(stores):
    stores.seed(utcnow() - timedelta(days=40))

    off = customer(stores, "prune")
    assert off.returncode == 0
    assert "retention is off" in off.stdout
    assert stores.leftovers(NOA_EMAIL)

    result = customer(stores, "prune", "--days", "30")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pruned what is older than 30 days")
    assert "tickets: 1 anonymised" in result.stdout
    assert stores.leftovers(*NOA_TEXTS) == []
