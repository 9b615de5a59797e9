"""FastAPI dependencies: the database session, the logged-in agent, admin-only, and the service token.

Agents authenticate with the session cookie the console gets at login, or with
``Authorization: Bearer <token>`` from ``POST /api/auth/token`` (API clients). Cookie-authenticated
state-changing requests must echo the session's CSRF token in ``X-CSRF-Token`` (double submit);
Bearer requests are exempt, since a browser never adds that header by itself. The action server
uses ``Authorization: Bearer <HELPDESK_SERVICE_TOKEN>`` on ``/api/internal/...`` only.

Other routers (CES reports) reuse :func:`current_agent` and :func:`require_admin`.

:func:`client_address` is the address login throttling counts by: the connecting peer, unless that
is one of the ``TRUSTED_PROXIES``, whose ``X-Forwarded-For`` then says who it forwarded for.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import ipaddress
from collections.abc import AsyncIterator, Callable, Sequence

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from bot.helpdesk import accounts
from bot.helpdesk.errors import Forbidden, Unauthorized
from bot.models import Agent, AgentSession

SESSION_COOKIE = "effortless_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; service functions commit their own work, the rest is rolled back.

    Async on purpose: its set-up and clean-up then run on the event loop, not in a worker thread
    (see :class:`SessionReleasingRoute` for why that matters).
    """
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


class SessionReleasingRoute(APIRoute):
    """Closes the request's database session in the worker thread, as soon as a sync endpoint returns.

    FastAPI runs a sync dependency, the endpoint and the response validation each in a separate call
    to the worker-thread pool. Under load, requests holding pooled connections while waiting for a
    worker thread, and workers waiting for a connection, block each other until the pool gives up
    (HTTP 500 after 30 s). So nothing holds a connection between those steps: this route closes
    the session after the endpoint, and :func:`authenticate_request` ends its transaction.
    """

    def __init__(self, path: str, endpoint: Callable, **kwargs):
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _closing_sessions(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _closing_sessions(endpoint: Callable) -> Callable:
    @functools.wraps(endpoint)
    def run_then_release(*args, **kwargs):
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    return run_then_release


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The networks of a ``TRUSTED_PROXIES`` value (validated by the settings)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip())


def client_address(request: Request) -> str:
    """The client's IP address, believing ``X-Forwarded-For`` only from trusted proxies."""
    peer = request.client.host if request.client else ""
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return forwarded_client(peer, forwarded, request.app.state.trusted_proxies)


def forwarded_client(peer: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """Walk the forwarding chain from the nearest hop back while each hop is a trusted proxy.

    Each proxy appends the address it received from, so only entries added by trusted proxies
    can be believed; the first untrusted (or unreadable) one is the client.
    """
    address = peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _is_trusted(address, trusted) and hops:
        hop = hops.pop()
        if not _is_ip(hop):
            break
        address = hop
    return address


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    if not trusted or not _is_ip(address):
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in trusted)


def bearer_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate_request(request: Request, db: Session) -> AgentSession:
    """The live agent session behind this request; 401 without one, 403 on a missing CSRF token."""
    token, via_cookie = _credentials(request)
    if token is None:
        raise Unauthorized("log in first")
    agent_session = accounts.session_for_token(db, token=token)
    if agent_session is None:
        raise Unauthorized("your session has expired or was logged out; log in again")
    if via_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), agent_session.csrf_token.encode()):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header (get it from GET /api/auth/me)")
    accounts.touch(db, agent=agent_session.agent)
    db.commit()  # end the read transaction: no connection is held until the endpoint runs
    return agent_session


def _credentials(request: Request) -> tuple[str | None, bool]:
    token = bearer_token(request)
    if token is not None:
        return token, False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def current_session(request: Request, db: Session = Depends(db_session)) -> AgentSession:
    return authenticate_request(request, db)


async def current_agent(agent_session: AgentSession = Depends(current_session)) -> Agent:
    """The logged-in agent (any role). Async because it does no I/O (the agent came with its session):
    FastAPI would otherwise hand this line to a worker thread and back, once per request."""
    return agent_session.agent


async def require_admin(agent: Agent = Depends(current_agent)) -> Agent:
    """The logged-in agent, who must be an admin (403 otherwise); async for the same reason."""
    if agent.role != "admin":
        raise Forbidden("only admins may do this")
    return agent


async def require_service(request: Request) -> None:
    """The caller must present the helpdesk service token (the action server); async, as it does no I/O."""
    token = bearer_token(request) or ""
    expected = request.app.state.settings.service_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("this endpoint needs the helpdesk service token")
