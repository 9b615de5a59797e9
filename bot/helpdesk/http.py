"""Outbound HTTP with a timeout and retries, shared by every call the helpdesk code makes
(helpdesk client, Zendesk, Rasa). Errors never show secrets: the caller's redactor masks them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests

# Worth retrying: the server is overloaded, restarting or timed out.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class ServiceUnavailable(RuntimeError):
    """The service did not answer usefully within the retries; the message says why."""


class KeepAlive:
    """One ``requests.Session`` per thread (a session is not thread-safe), so repeated calls to the
    same service reuse their connection instead of opening a new one each time."""

    def __init__(self):
        self._local = threading.local()

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session


def backoff_s(attempt: int) -> float:
    """Seconds to wait before retry ``attempt + 1``: 0.25, 0.5, 1, 2, then 4 at most."""
    return min(0.25 * 2**attempt, 4.0)


def request_with_retries(
    method: str,
    url: str,
    *,
    timeout_s: float,
    retries: int,
    redact: Callable[[str], str] | None = None,
    keep_alive: KeepAlive | None = None,
    final: Callable[[requests.Response], bool] | None = None,
    **kwargs,
) -> requests.Response:
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
            http = keep_alive.session() if keep_alive else requests
            response = http.request(method, url, timeout=timeout_s, **kwargs)
        except requests.Timeout:
            problem = f"no answer within {timeout_s} s"
            continue
        except requests.RequestException as exc:
            problem = f"cannot connect ({type(exc).__name__})"
            continue
        if response.status_code not in RETRY_STATUSES or (final is not None and final(response)):
            return response
        problem = f"answered HTTP {response.status_code}"
    where = urlsplit(url)
    raise ServiceUnavailable(
        redact(f"{method} {where.scheme}://{where.netloc}{where.path}: {problem} (tried {max(0, retries) + 1} times)")
    )


def error_detail(response: requests.Response) -> str:
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
