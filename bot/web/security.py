"""Security headers on every response of the helpdesk service.

Every page runs only this origin's own files: no inline script or style, no framing by any site
(``frame-ancestors 'none'``). Two pages differ, each setting its own policy with the helpers here:
the demo shop page also talks to the Rasa server (socket.io), and the API docs page runs Swagger UI
from its CDN plus one inline script, allowed by its hash. The widget's files are meant for other
sites' pages, so only they may be loaded cross-origin (``Cross-Origin-Resource-Policy``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"
_OWN_FILES_ONLY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}
# Pages take no camera, microphone, location, payment or USB, even if a script asked.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
EMBEDDABLE_PREFIXES = ("/widget/",)


def content_security_policy(**extra_sources: Iterable[str]) -> str:
    """The own-files-only policy with more sources for some directives (``connect_src=[...]``)."""
    directives = dict(_OWN_FILES_ONLY)
    for name, sources in extra_sources.items():
        directive = name.replace("_", "-")
        directives[directive] = " ".join([directives[directive], *sources])
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


def socket_origins(url: str) -> list[str]:
    """The origins a socket.io client of ``url`` connects to: HTTP long-polling, then the WebSocket."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    websocket = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{websocket}://{parts.netloc}"]


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class SecurityHeaders:
    """Pure ASGI middleware adding the security headers to each response that does not set its own.

    ``hsts_max_age_s`` > 0 adds ``Strict-Transport-Security``: only for a service reached over HTTPS.
    """

    def __init__(self, app: ASGIApp, hsts_max_age_s: int = 0):
        self.app = app
        self.common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts_max_age_s > 0:
            self.common.append((b"strict-transport-security", f"max-age={hsts_max_age_s}".encode()))
        self.default_policy = content_security_policy().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        embeddable = scope["path"].startswith(EMBEDDABLE_PREFIXES)
        added = [
            *self.common,
            (b"content-security-policy", self.default_policy),
            (b"cross-origin-resource-policy", b"cross-origin" if embeddable else b"same-origin"),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
