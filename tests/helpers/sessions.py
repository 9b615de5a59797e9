"""Calling ``Session``-taking service functions from tests, each in a transaction of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import sessionmaker

from bot.db import session_scope

T = TypeVar("T")


def in_session(sessions: sessionmaker, function: Callable[..., T], /, **kwargs: Any) -> T:
    """``function(session, **kwargs)`` in its own transaction: committed when it returns, rolled back when it raises."""
    with session_scope(sessions) as session:
        return function(session, **kwargs)
