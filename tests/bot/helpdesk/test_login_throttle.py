"""Login throttling on a real database: locks grow and end, never lock an account for everyone,
are checked before any password hashing, and are forgotten after a quiet day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db import session_scope, utcnow
from bot.helpdesk import accounts, login_throttle
from bot.helpdesk.errors import TooManyAttempts, Unauthorized
from bot.models import LoginThrottle
from tests.bot.helpdesk.conftest import PASSWORD

ATTACKER = "198.51.100.66"
OWNER = "203.0.113.5"


@pytest.fixture
def db(database):
    """A session on a migrated SQLite and (marked postgres) PostgreSQL database, with one agent."""
    _settings, sessions = database
    with session_scope(sessions) as session:
        accounts.create_agent(session, email="anna@example.com", name="Anna", role="admin", password=PASSWORD)
        yield session


def wait_out_lock(db, now):
    """The moment just after the latest lock ends (or ``now`` when nothing is locked)."""
    locked_until = db.scalar(select(func.max(LoginThrottle.locked_until)))
    return max(now, locked_until + timedelta(milliseconds=1)) if locked_until else now


def test_locks_grow_cap_and_end_and_the_right_password_starts_afresh(db):
    now = utcnow()
    lock_lengths = []
    for _ in range(16):
        with pytest.raises(Unauthorized):
            accounts.authenticate(db, email="anna@example.com", password="wrong password", address=ATTACKER, now=now)
        locked_until = db.scalar(select(func.max(LoginThrottle.locked_until)))
        lock_lengths.append((locked_until - now).total_seconds() if locked_until and locked_until > now else 0)
        now = wait_out_lock(db, now)
    assert lock_lengths == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]

    with pytest.raises(TooManyAttempts) as locked:
        accounts.authenticate(db, email="anna@example.com", password=PASSWORD, address=ATTACKER,
                              now=now - timedelta(seconds=10))
    assert locked.value.retry_after_s == 10
    assert accounts.authenticate(db, email="anna@example.com", password=PASSWORD, address=ATTACKER, now=now).id
    with pytest.raises(Unauthorized):  # counting starts again: one failure is free
        accounts.authenticate(db, email="anna@example.com", password="wrong password", address=ATTACKER, now=now)


def test_one_address_flooding_an_account_does_not_lock_the_owner_elsewhere(db, monkeypatch):
    now = utcnow()
    hashes = []
    real_check = accounts.password_matches
    monkeypatch.setattr(accounts, "password_matches", lambda *args: hashes.append(1) or real_check(*args))
    outcomes = []
    for _ in range(50):
        try:
            accounts.authenticate(db, email="anna@example.com", password="guess", address=ATTACKER, now=now)
        except (Unauthorized, TooManyAttempts) as refusal:
            outcomes.append(type(refusal).__name__)
    assert outcomes == ["Unauthorized"] * 4 + ["TooManyAttempts"] * 46
    assert len(hashes) == 4  # throttled attempts never reach argon2
    assert accounts.authenticate(db, email="anna@example.com", password=PASSWORD, address=OWNER, now=now).email \
        == "anna@example.com"


def test_an_address_trying_many_accounts_is_throttled_as_a_whole(db):
    now = utcnow()
    for number in range(login_throttle.ADDRESS.free_failures + 1):
        with pytest.raises(Unauthorized):  # a different account each time: no pair is ever locked
            accounts.authenticate(db, email=f"user{number}@example.com", password="guess", address=ATTACKER, now=now)
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(db, email="anna@example.com", password=PASSWORD, address=ATTACKER, now=now)
    assert accounts.authenticate(db, email="anna@example.com", password=PASSWORD, address=OWNER, now=now)


def test_quiet_keys_are_forgotten_and_pruned(db):
    then = utcnow() - login_throttle.FORGET_AFTER - timedelta(minutes=1)
    for _ in range(4):
        with pytest.raises(Unauthorized):
            accounts.authenticate(db, email="anna@example.com", password="guess", address=ATTACKER, now=then)
    now = utcnow()
    with pytest.raises(Unauthorized):  # a day later the count starts over: no lock after one failure
        accounts.authenticate(db, email="anna@example.com", password="guess", address=ATTACKER, now=now)
    assert db.scalar(select(func.max(LoginThrottle.failures))) == 1

    with pytest.raises(Unauthorized):
        accounts.authenticate(db, email="bob@example.com", password="guess", address=OWNER, now=then)
    assert login_throttle.prune(db, now=now) == 2  # the owner's address and its pair, not the fresh ones
    assert db.scalar(select(func.count()).select_from(LoginThrottle)) == 2
