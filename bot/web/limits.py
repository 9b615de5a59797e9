"""Request body limits for every route of the helpdesk service, enforced while the body streams in.

A body with a ``Content-Length`` over its route's limit is refused before a byte of it is read; a
chunked body (no length) is counted as its chunks arrive and refused as soon as it passes the
limit. Nothing is buffered here, so a client streaming 500 MB costs the server a few kilobytes.
Each refusal closes the connection (``Connection: close``): otherwise the server would keep
reading, and discarding, the rest of the upload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import Settings

CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class BodyLimits:
    """The largest body, in bytes, each kind of route accepts."""

    login: int
    api: int
    internal: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            login=settings.max_login_body_bytes,
            api=settings.max_body_bytes,
            internal=settings.max_internal_body_bytes,
        )

    def for_path(self, path: str) -> int:
        """Login bodies are tiny and unauthenticated; the action server sends whole transcripts."""
        if path.startswith("/api/auth/"):
            return self.login
        if path.startswith("/api/internal/"):
            return self.internal
        return self.api


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes its limit; the app answers it as a 413."""

    def __init__(self, limit: int):
        super().__init__(413, too_large_message(limit), headers=CLOSE)


def too_large_message(limit: int) -> str:
    return f"request body too large: this endpoint accepts at most {limit} bytes"


class BodyLimit:
    """Pure ASGI middleware: refuses bodies over the route's limit with 413, without buffering them.

    Inside the app, reading past the limit raises :class:`BodyTooLarge` (FastAPI answers it with its
    usual ``{"detail": ...}``); should the app swallow it, or never read the body, this middleware
    still answers 413 or closes the connection.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await _refuse(limit, scope, receive, send)
            return
        has_body = (declared.isdigit() and int(declared) > 0) or b"transfer-encoding" in headers
        upload = _Upload(limit, has_body)

        async def counted_receive() -> Message:
            message = await receive()
            upload.count(message)
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                upload.response_started = True
                response_headers = list(message.get("headers", []))
                # Whatever of the body is still coming, no one will read it: hang up after answering.
                if upload.unread and all(name.lower() != b"connection" for name, _ in response_headers):
                    message = {**message, "headers": [*response_headers, (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, counted_receive, closing_send)
        except BodyTooLarge:
            if upload.response_started:
                raise
        if upload.exceeded and not upload.response_started:
            await _refuse(limit, scope, receive, send)


class _Upload:
    """How much of one request's body has arrived, against its limit."""

    def __init__(self, limit: int, has_body: bool):
        self.limit = limit
        self.received = 0
        self.unread = has_body
        self.exceeded = False
        self.response_started = False

    def count(self, message: Message) -> None:
        if message["type"] != "http.request":
            return
        self.received += len(message.get("body", b""))
        self.unread = message.get("more_body", False)
        if self.received > self.limit:
            self.exceeded = True
            raise BodyTooLarge(self.limit)


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": too_large_message(limit)}, status_code=413, headers=CLOSE)
    await response(scope, receive, send)
