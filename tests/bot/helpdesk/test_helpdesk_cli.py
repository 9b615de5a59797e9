"""``python -m bot create-agent`` and ``python -m bot bench-helpdesk``, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.db import session_scope
from bot.helpdesk import accounts
from bot.models import Agent

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def run_bot(settings_env: dict, *args: str, stdin: str = "", timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **settings_env},
        timeout=timeout,
    )


def test_create_agent_on_a_fresh_install_then_log_in(settings_env, settings):
    result = run_bot(
        settings_env,
        "create-agent",
        "--email",
        "Boss@Example.com",
        "--name",
        "Bára Šéfová",
        "--role",
        "admin",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "created admin Bára Šéfová <boss@example.com> (id 1), speaks en"

    from bot.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    with session_scope(make_session_factory(engine)) as session:
        agent = session.query(Agent).one()
        assert agent.password_hash.startswith("$argon2")
        assert accounts.authenticate(session, email="boss@example.com", password="correct horse battery",
                                     address="127.0.0.1").role == "admin"
    engine.dispose()


def test_create_agent_refuses_bad_input_with_a_clear_message(settings_env):
    create = ["create-agent", "--email", "anna@example.com", "--name", "Anna", "--password-stdin"]
    assert run_bot(settings_env, *create, stdin="long enough\n").returncode == 0
    duplicate = run_bot(settings_env, *create, stdin="long enough\n")
    assert (duplicate.returncode, duplicate.stderr.strip()) == (
        1,
        "create-agent: an agent with e-mail anna@example.com already exists",
    )
    short = run_bot(
        settings_env, "create-agent", "--email", "b@example.com", "--name", "B", "--password-stdin", stdin="short\n"
    )
    assert (short.returncode, short.stderr.strip()) == (1, "create-agent: the password must have at least 8 characters")
    not_an_email = run_bot(
        settings_env,
        "create-agent",
        "--email",
        "b-at-example",
        "--name",
        "B",
        "--password-stdin",
        stdin="long enough\n",
    )
    assert not_an_email.returncode == 1 and "is not an e-mail address" in not_an_email.stderr
    bad_role = run_bot(
        settings_env,
        "create-agent",
        "--email",
        "c@example.com",
        "--name",
        "C",
        "--role",
        "root",
        "--password-stdin",
        stdin="long enough\n",
    )
    assert bad_role.returncode == 2 and "invalid choice: 'root'" in bad_role.stderr


def test_the_benchmark_runs_and_checks_itself(settings_env):
    result = run_bot(settings_env, "bench-helpdesk", "--agents", "4", "--tickets", "12", timeout=180)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["database"], report["claims"], report["claimed_twice"], report["errors"]) == ("sqlite", 12, 0, 0)
    assert report["claim_ms"]["count"] == 12 + 4  # each agent's last claim finds the queue empty
    assert report["reply_ms"]["p50"] <= report["reply_ms"]["p95"] <= report["reply_ms"]["max"]
    assert report["rasa_deliveries"] == 12 * 3  # joined, the reply, resolved
