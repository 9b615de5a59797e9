"""Per-process services the actions share: settings, database sessions, KB index, ticket backend.

Built on first use (never at import time) and holding no conversation state: everything about
a conversation lives in its tracker's slots.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker

from bot.db import make_engine, make_session_factory, session_scope
from bot.helpdesk.backends import TicketBackend, make_backend
from bot.helpdesk.client import HelpdeskUnavailable
from bot.helpdesk.schemas import Availability, TicketReceipt
from bot.kb.query_log import QueryLogWriter
from bot.kb.store import KnowledgeBaseStore
from bot.settings import Settings, load_settings

T = TypeVar("T")


@dataclass(frozen=True)
class Services:
    settings: Settings
    sessions: sessionmaker
    knowledge_base: KnowledgeBaseStore
    tickets: TicketBackend
    query_log: QueryLogWriter


@lru_cache(maxsize=1)
def services() -> Services:
    settings = load_settings()
    sessions = make_session_factory(make_engine(settings.database_url))
    return Services(
        settings=settings,
        sessions=sessions,
        knowledge_base=KnowledgeBaseStore(settings, rebuild_in_background=True, build_in_child_process=True),
        tickets=make_backend(settings, sessions),
        query_log=QueryLogWriter(sessions),
    )


def reopening_at(hours: Availability | TicketReceipt) -> datetime | None:
    """When the team is back, in the business time zone (``BUSINESS_TIMEZONE``), as customers are told it;
    None while open or when the hours never open."""
    if hours.open_now or hours.next_open is None:
        return None
    return hours.next_open.astimezone(ZoneInfo(services().settings.business_timezone))


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (database, HTTP, search) off the action server's event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


async def in_session(function: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a ``Session``-taking service function off the event loop, in a transaction of its own
    (committed when it returns, rolled back when it raises): ``function(session, **kwargs)``."""
    sessions = services().sessions

    def unit_of_work() -> T:
        with session_scope(sessions) as session:
            return function(session, **kwargs)

    return await in_thread(unit_of_work)


async def team_back_at() -> datetime | None:
    """When the team is back, outside support hours (:func:`reopening_at`), asking the helpdesk; None also when
    it cannot tell (the wait is then "as soon as a person is free")."""
    try:
        return reopening_at(await in_thread(services().tickets.availability))
    except HelpdeskUnavailable:
        return None
