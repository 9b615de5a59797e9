"""Login throttling by client address and by account *from* that address, shared by every replica.

Failures are counted twice: per (account, client address) and per client address. Past a few free
failures each further one locks that key for 2, 4, 8 ... seconds, at most :data:`MAX_LOCK`.
Whoever floods one account from one address locks only that pair (and, past more failures, that
address): the account's owner still logs in from anywhere else. The check comes before the
password hash is verified, so throttled attempts cost no argon2 work. A key quiet for
:data:`FORGET_AFTER` starts again from zero and is pruned.

Rows are keyed by a SHA-256 of what they count, so the table holds no typed e-mail addresses.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db import rows_changed
from bot.helpdesk.errors import TooManyAttempts
from bot.models import LoginThrottle

MAX_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Rule:
    """One way of counting failures: what a key is made of, and how many are free."""

    scope: str
    free_failures: int

    def lock_for(self, failures: int) -> timedelta | None:
        excess = failures - self.free_failures
        if excess <= 0:
            return None
        return min(timedelta(seconds=2 ** min(excess, 32)), MAX_LOCK)


ACCOUNT_FROM_ADDRESS = Rule("account-from-address", free_failures=3)
ADDRESS = Rule("address", free_failures=20)


def _keys(account: str, address: str) -> dict[Rule, str]:
    subjects = {ACCOUNT_FROM_ADDRESS: f"{account}\0{address}", ADDRESS: address}
    return {rule: hashlib.sha256(f"{rule.scope}\0{subject}".encode()).hexdigest() for rule, subject in subjects.items()}


def check(session: Session, *, account: str, address: str, now: datetime) -> None:
    """Raise :class:`TooManyAttempts` (with the seconds to wait) while this account or address is locked."""
    locked_until = session.scalar(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(_keys(account, address).values()), LoginThrottle.locked_until > now
        )
    )
    if locked_until is not None:
        retry_after = max(1, math.ceil((locked_until - now).total_seconds()))
        raise TooManyAttempts(f"too many failed logins; try again in {retry_after} s", retry_after)


def record_failure(session: Session, *, account: str, address: str, now: datetime) -> None:
    """Count a failed login for both keys (atomically, so concurrent replicas all count) and lock past the free ones."""
    for rule, key in _keys(account, address).items():
        failures = _count_failure(session, key, now)
        lock = rule.lock_for(failures)
        if lock is not None:
            session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=now + lock))
    session.commit()


def record_success(session: Session, *, account: str, address: str) -> None:
    """The owner got in from here: this pair starts afresh. The address keeps its count (one good
    password must not launder an address's failures against other accounts)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == _keys(account, address)[ACCOUNT_FROM_ADDRESS]))
    session.commit()


def prune(session: Session, *, now: datetime) -> int:
    """Forget keys quiet for :data:`FORGET_AFTER` and no longer locked; returns how many."""
    removed = rows_changed(
        session,
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - FORGET_AFTER,
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until <= now),
        ),
    )
    session.commit()
    return removed


def _count_failure(session: Session, key: str, now: datetime) -> int:
    """One more failure for ``key`` (the first after a quiet :data:`FORGET_AFTER` counts as the first); the new count."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    forgotten = LoginThrottle.last_failure_at < now - FORGET_AFTER
    upsert = insert(LoginThrottle).values(key=key, failures=1, last_failure_at=now).on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={
            "failures": case((forgotten, 1), else_=LoginThrottle.failures + 1),
            "locked_until": case((forgotten, None), else_=LoginThrottle.locked_until),
            "last_failure_at": now,
        },
    )
    return session.execute(upsert.returning(LoginThrottle.failures)).scalar_one()
