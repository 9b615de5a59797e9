"""Who a message is from: conversation ids namespaced by channel, and signed web-chat sessions.

Standard library only, like ``payloads``: the connectors call it, the app env tests it directly.

Every conversation id is ``<channel prefix>:<the platform's own id>`` (``telegram:52…``,
``web:9f…``, ``rest:…``), so an id one channel accepts from outside can never name a
conversation of another channel: a REST client posting as ``telegram:52…`` talks in
``rest:telegram:52…``. Output channels hand the platform its own id back (:func:`platform_id`).

A web chat proves which conversation it belongs to with a token the server issued and signed
(:func:`new_web_session`), never with a session id it chose or learnt: conversation ids are
shown to agents, tokens are not.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SEPARATOR = ":"
# The prefix of each connector's conversations (``bot/engine/channels/<module>.py``).
REST = "rest"
WEB = "web"
TELEGRAM = "telegram"
WHATSAPP = "whatsapp"  # Twilio's own address format is ``whatsapp:+14155238886``
MESSENGER = "messenger"
SLACK = "slack"
CALLBACK = "callback"

WEB_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# Binds the signature to its purpose, so no other HMAC made with the same secret can pass for one.
_WEB_SESSION_LABEL = b"effortless web-chat session\x00"


def conversation_id(prefix: str, platform_id: str) -> str:
    """The conversation of ``platform_id`` on the channel ``prefix``.

    An id that already starts with this channel's own prefix keeps exactly one (Twilio sends
    ``whatsapp:+1…``; a REST client may send the ``rest:…`` id it was given back).
    """
    own = prefix + SEPARATOR
    return platform_id if platform_id.startswith(own) else own + platform_id


def platform_id(prefix: str, conversation: str) -> str:
    """The id the platform knows for ``conversation``: without this channel's prefix.

    Conversations created before ids were namespaced have no prefix and are returned unchanged.
    """
    return conversation.removeprefix(prefix + SEPARATOR)


def _web_session_signature(secret: str, session_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _WEB_SESSION_LABEL + session_id.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def web_session_token(secret: str, session_id: str) -> str:
    """The token that proves ``session_id`` was issued by this server: ``<session id>.<signature>``."""
    return f"{session_id}.{_web_session_signature(secret, session_id)}"


def new_web_session(secret: str) -> tuple[str, str]:
    """A fresh random session id and its token."""
    session_id = secrets.token_hex(16)
    return session_id, web_session_token(secret, session_id)


def verified_web_session(secret: str, token: object) -> str | None:
    """The session id ``token`` proves, or ``None`` for anything this server did not sign."""
    if not isinstance(token, str):
        return None
    session_id, _, signature = token.partition(".")
    if not WEB_SESSION_ID.fullmatch(session_id):
        return None
    expected = _web_session_signature(secret, session_id)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", errors="surrogateescape")):
        return None
    return session_id
