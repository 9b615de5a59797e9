"""Rasa's HTTP calls (the action server above all) over kept-alive connections.

Rasa 3.6's ``EndpointConfig.request`` opens a new aiohttp ``ClientSession`` for every request, and each
session brings its own connection pool: every custom action of every turn pays for a DNS lookup (in
a worker thread), a new TCP connection, and tearing both down again, on Rasa's side and on the action
server's. This module gives the sessions of one event loop one shared pool (aiohttp's
``connector_owner=False``: closing the session leaves the pool open), so calls reuse idle connections.

Idle connections are dropped after :data:`IDLE_S`, well before the action server (Sanic: 5 s) or nginx
(75 s) would close them from their side, so a call never goes out on a connection the server is
closing at that moment. A server that restarts closes its connections, and the next call connects
anew (a refused connection still raises ``ClientConnectorError``, which :mod:`bot.engine.action_calls`
waits on).
"""
from __future__ import annotations

import asyncio
import weakref

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

# Seconds an idle connection stays in the pool: below the servers' own keep-alive timeouts.
IDLE_S = 2.0

_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = weakref.WeakKeyDictionary()


def shared_connector(loop: asyncio.AbstractEventLoop) -> aiohttp.TCPConnector:
    """The event loop's connection pool (a pool belongs to the loop it was made in)."""
    connector = _pools.get(loop)
    if connector is None or connector.closed:
        connector = aiohttp.TCPConnector(keepalive_timeout=IDLE_S)
        _pools[loop] = connector
    return connector


def install() -> None:
    """Make every ``EndpointConfig`` session of this process use its loop's shared pool."""
    original_session = EndpointConfig.session
    if getattr(original_session, "kept_alive", False):
        return

    def session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop to keep connections for
            return original_session(endpoint)
        credentials = endpoint.basic_auth
        auth = aiohttp.BasicAuth(credentials["username"], credentials["password"]) if credentials else None
        return aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=shared_connector(loop),
            connector_owner=False,
        )

    session.kept_alive = True  # type: ignore[attr-defined]
    EndpointConfig.session = session
