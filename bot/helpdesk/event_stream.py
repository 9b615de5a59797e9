"""``GET /api/events``: live updates for the agent console as Server-Sent Events.

The stream polls the event outbox (:mod:`bot.helpdesk.events`) every :data:`POLL_INTERVAL_S`, so
any replica serves any console. Each event is one ``data:`` line of JSON with an ``id:``; a browser
reconnecting sends ``Last-Event-ID`` and continues from there. Ids come from the database in the
order rows were *inserted*, not committed, so for :data:`SETTLE_S` the stream also looks below its
high-water mark for late commits and remembers what it sent, to send nothing twice.

While connected, the agent counts as seen (presence), and the session is re-checked so a logout
or deactivation ends the stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.db import session_scope, utcnow
from bot.helpdesk import accounts, events
from bot.helpdesk.auth import authenticate_request
from bot.models import AgentSession

router = APIRouter(prefix="/api", tags=["live updates"])

POLL_INTERVAL_S = 0.4
KEEPALIVE_S = 15.0
RECHECK_SESSION_S = 10.0
SETTLE_S = 5.0


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "one JSON event per `data:` line"}},
)
async def stream_events(
    request: Request,
    after: int | None = Query(None, ge=0, description="last event id seen; default: only new events"),
    last_event_id: str | None = Header(None),
):
    """Server-Sent Events: ticket_created, ticket_claimed, ticket_transferred, ticket_resolved,
    ticket_reopened, ticket_closed, message_created, message_updated (delivered to the customer),
    presence_changed. Each ``data`` is ``{"id", "kind", "ticket_id", "created_at", "ticket"?, "message"?, "agent"?}``.
    """
    factory = request.app.state.session_factory
    agent_session_id = await run_in_threadpool(_authenticate, request, factory)
    start = after if after is not None else _parse_id(last_event_id)
    if start is None:
        start = await run_in_threadpool(_latest_id, factory)
    return StreamingResponse(
        _stream(request, factory, agent_session_id, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(request: Request, factory, agent_session_id: int, start: int) -> AsyncIterator[str]:
    floor = start
    recent: dict[int, datetime] = {}  # sent ids above ``floor`` and when they were written
    last_output = last_check = time.monotonic()
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        now = time.monotonic()
        if now - last_check >= RECHECK_SESSION_S:
            last_check = now
            if not await run_in_threadpool(_still_logged_in, factory, agent_session_id):
                yield "event: logout\ndata: {}\n\n"
                return
        batch = await run_in_threadpool(_load, factory, floor, list(recent))
        for event in batch:
            recent[event["id"]] = datetime.fromisoformat(event["created_at"])
            last_output = now
            yield f"id: {event['id']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
        floor, recent = _settle(floor, recent, utcnow())
        if now - last_output >= KEEPALIVE_S:
            last_output = now
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_INTERVAL_S)


def _settle(floor: int, recent: dict[int, datetime], now: datetime):
    """Raise the floor past events older than :data:`SETTLE_S`; nothing below them can still commit."""
    settled = [event_id for event_id, written in recent.items() if now - written > timedelta(seconds=SETTLE_S)]
    if settled:
        floor = max(floor, max(settled))
        recent = {event_id: written for event_id, written in recent.items() if event_id > floor}
    return floor, recent


def _authenticate(request: Request, factory) -> int:
    with session_scope(factory) as session:
        return authenticate_request(request, session).id


def _still_logged_in(factory, agent_session_id: int) -> bool:
    """The session is live; also marks the agent as seen, which keeps presence "online" honest."""
    with session_scope(factory) as session:
        agent_session = session.get(AgentSession, agent_session_id)
        now = utcnow()
        if agent_session is None or agent_session.revoked_at or agent_session.expires_at <= now:
            return False
        if not agent_session.agent.is_active:
            return False
        accounts.touch(session, agent=agent_session.agent, now=now)
        return True


def _latest_id(factory) -> int:
    with session_scope(factory) as session:
        return events.latest_event_id(session)


def _load(factory, floor: int, already_sent: list[int]) -> list[dict]:
    with session_scope(factory) as session:
        return [
            {
                "id": row.id,
                "kind": row.kind,
                "ticket_id": row.ticket_id,
                "created_at": row.created_at.isoformat(),
                **row.payload,
            }
            for row in events.events_after(session, after_id=floor, exclude=already_sent)
        ]


def _parse_id(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None
