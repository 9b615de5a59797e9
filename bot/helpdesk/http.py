"""Outbound HTTP with a timeout and retries, shared by every call the helpdesk code makes
(helpdesk client, Zendesk, Rasa). Errors never show secrets: the caller's redactor masks them.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json as jsonlib
import select
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import SplitResult, unquote, urlencode, urlsplit

import requests

if TYPE_CHECKING:
    from starlette.background import BackgroundTasks

# Worth retrying: the server is overloaded, restarting or timed out.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class ServiceUnavailable(RuntimeError):
    """The service did not answer usefully within the retries; the message says why."""


class HttpAnswer(Protocol):
    """What callers read of an answer, from ``requests`` or from :class:`HttpClientKeepAlive`."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


AnswerT_co = TypeVar("AnswerT_co", bound=HttpAnswer, covariant=True)
AnswerT = TypeVar("AnswerT", bound=HttpAnswer)
ResultT = TypeVar("ResultT")


class Transport(Protocol[AnswerT_co]):
    """Sends one request; a timeout raises a ``TimeoutError`` (or ``requests.Timeout``), a failed connection
    another ``OSError`` (or ``http.client.HTTPException``)."""

    def request(self, method: str, url: str, *, timeout: float, params: Mapping[str, str] | None = None,
                json: Any = None) -> AnswerT_co: ...


class KeepAlive:
    """One ``requests.Session`` per thread (a session is not thread-safe), so repeated calls to the
    same service reuse their connection instead of opening a new one each time."""

    def __init__(self):
        self._local = threading.local()

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session.request(method, url, **kwargs)


@dataclass(frozen=True)
class Answer:
    """An answer read whole by :class:`HttpClientKeepAlive`."""

    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)


class HttpClientKeepAlive:
    """JSON requests over one kept-alive ``http.client`` connection per thread and server.

    For the helpdesk's busiest call, an agent's line to Rasa (three per ticket): ``requests`` spent 1.9 ms of
    CPU on such a call and ``http.client`` 0.8 (both ends of a local call counted; docs/performance.md). It
    sends only what these calls need (a query, a JSON body, the URL's user and password as Basic auth) and,
    unlike ``requests``, takes no proxy from the environment: the services it calls are the deployment's own.
    A connection idle for :data:`IDLE_S` is closed before the server would close it (Rasa's Sanic after 5 s),
    and one the server closed anyway (a restart) is seen; either is opened again before a request goes out.
    """

    def __init__(self):
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = None  # built at the first https connection, then shared

    def request(self, method: str, url: str, *, timeout: float, params: Mapping[str, str] | None = None,
                json: Any = None) -> Answer:
        parts = urlsplit(url)
        query = "&".join(part for part in (parts.query, urlencode(params or {})) if part)
        target = (parts.path or "/") + (f"?{query}" if query else "")
        body = None if json is None else jsonlib.dumps(json).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        connection: http.client.HTTPConnection | None = None
        try:  # the connection is this thread's alone until it is kept again below
            connection = self._connection(parts, timeout)
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.read())
        except BaseException as failure:
            if connection is not None:
                connection.close()
            if isinstance(failure, ValueError):  # a URL http.client cannot use (a bad port): requests' InvalidURL
                raise http.client.InvalidURL(str(failure)) from failure
            raise
        if response.will_close:
            connection.close()
        else:
            self._connections()[parts.netloc] = (connection, time.monotonic())
        return answer

    def _connections(self) -> dict[str, tuple[http.client.HTTPConnection, float]]:
        """This thread's connections by server, each with when its last answer was read."""
        return self._local.__dict__.setdefault("connections", {})

    def _connection(self, parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
        kept = self._connections().pop(parts.netloc, None)
        if kept is not None:
            connection, last_used = kept
            if time.monotonic() - last_used < IDLE_S and not _closed_by_peer(connection):
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                return connection
            connection.close()
        if parts.scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout, context=self._tls)
        return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)


IDLE_S = 2.0
"""How long :class:`HttpClientKeepAlive` keeps an idle connection: well before Sanic (5 s) or nginx (75 s) close
theirs, as bot/engine/kept_alive.py does for Rasa's own calls to the action server."""


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """Whether a kept connection's socket has something to read while idle: the server's close (or data it
    should not have sent), so it cannot carry a request. ``poll``, as urllib3 does: ``select`` fails on a
    descriptor above 1023, which a busy process reaches."""
    if connection.sock is None:
        return True
    poller = select.poll()
    poller.register(connection.sock, select.POLLIN)
    return bool(poller.poll(0))


def backoff_s(attempt: int) -> float:
    """Seconds to wait before retry ``attempt + 1``: 0.25, 0.5, 1, 2, then 4 at most."""
    return min(0.25 * 2**attempt, 4.0)


def request_with_retries(
    method: str,
    url: str,
    *,
    timeout_s: float,
    retries: int,
    keep_alive: Transport[AnswerT],
    redact: Callable[[str], str] | None = None,
    final: Callable[[AnswerT], bool] | None = None,
    **kwargs,
) -> AnswerT:
    """Send the request up to ``retries + 1`` times on connection errors, timeouts and
    :data:`RETRY_STATUSES`; any other answer, or one that ``final`` says retrying cannot change (a
    server error that names a permanent cause), is returned for the caller to interpret.

    Raises :class:`ServiceUnavailable` after the last attempt.
    """
    redact = redact or (lambda text: text)
    problem = ""
    for attempt in range(max(0, retries) + 1):
        if attempt:
            time.sleep(backoff_s(attempt - 1))
        try:
            response = keep_alive.request(method, url, timeout=timeout_s, **kwargs)
        except (requests.Timeout, TimeoutError):
            problem = f"no answer within {timeout_s} s"
            continue
        except (OSError, http.client.HTTPException) as exc:  # requests' errors are OSErrors too
            problem = f"cannot connect ({type(exc).__name__})"
            continue
        if response.status_code not in RETRY_STATUSES or (final is not None and final(response)):
            return response
        problem = f"answered HTTP {response.status_code}"
    where = urlsplit(url)
    raise ServiceUnavailable(
        redact(f"{method} {where.scheme}://{where.netloc}{where.path}: {problem} (tried {max(0, retries) + 1} times)")
    )


def error_detail(response: HttpAnswer) -> str:
    """The ``detail`` (or ``error``/``description``) of a JSON error body, else the start of the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        for key in ("detail", "description", "error"):
            if body.get(key):
                return str(body[key])[:500]
    return str(body)[:200]


class OutboundThreads:
    """Threads of their own for work that waits on another service (Rasa, the action server, Zendesk): however
    slowly that service answers, it holds these, never the pool that runs the agents' requests
    (``HELPDESK_THREADS``). Work beyond ``workers`` waits its turn. Thread-safe, and usable from any event loop."""

    def __init__(self, workers: int, name: str):
        self._workers = workers
        self._name = name
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[..., ResultT], *args: Any) -> ResultT:
        """``work(*args)`` in one of these threads; its result, or its exception."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix=self._name)
            future = self._pool.submit(work, *args)  # under the lock: :meth:`stop` cannot come in between
        return await asyncio.wrap_future(future)

    def after_response(self, background: BackgroundTasks, work: Callable[..., object], *args: Any) -> None:
        """Run ``work(*args)`` here once the response has gone out."""
        background.add_task(self.run, work, *args)

    def stop(self) -> None:
        """Wait for the work under way; work asked for later starts new threads."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
