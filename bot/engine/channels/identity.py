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

# The session tokens are made and checked in ``payloads`` (standard library only), which the
# helpdesk may import too: it shows a returning web customer their history for a valid token.
from bot.engine.channels.payloads import (  # noqa: F401 - this module's public names
    WEB_SESSION_ID,
    new_web_session,
    verified_web_session,
    web_session_token,
)

SEPARATOR = ":"
# The prefix of each connector's conversations (``bot/engine/channels/<module>.py``).
REST = "rest"
WEB = "web"
TELEGRAM = "telegram"
WHATSAPP = "whatsapp"  # Twilio's own address format is ``whatsapp:+14155238886``
MESSENGER = "messenger"
SLACK = "slack"
CALLBACK = "callback"



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
