"""Messaging-app connectors for the Rasa server: Rasa's own connectors, hardened.

One module per platform subclasses the Rasa 3.6 connector of the same name and adds what a
production deployment needs and Rasa leaves out:

- every message passes one guard (``guard``) before the bot sees it: conversation ids are
  namespaced by channel (``telegram:…``, ``web:…``, ``rest:…``; ``identity``), over-long and
  empty messages are stopped, typed payloads the bot did not offer are neutralised
  (``trust``), and while the action server restarts the message waits, with a "one moment";
- the web chat's sessions are bound to server-signed tokens, not to ids a client picks;
- every webhook is authenticated before it is read (Telegram secret token, an HMAC on the
  callback channel, Twilio's and Facebook's signatures) and answered with 403 when it is not;
- malformed payloads are answered with 400; both are logged (never with the secret) and
  neither reaches the bot;
- the customer's name, when the platform tells us, travels in the message metadata
  (``customer_name``) so the escalation form does not ask for it again;
- ``get_output_channel()`` works inside the running server, so agent replies during a
  handoff (pushed through Rasa's HTTP API with ``output_channel=latest``) reach the
  customer on the channel they came from;
- a platform that cannot be reached is handled per direction: a reply to an incoming
  webhook logs the failure, so the customer's message is still saved in the tracker; a
  push (``get_output_channel()``) raises, so Rasa answers 500 and the helpdesk retries, or,
  when the platform refuses the customer for good, says so (``refusals``);
- each platform's API base URL is configurable (``api_url``: Telegram Bot API, Slack Web API,
  Facebook Graph API, Twilio REST API), for a local API server, a proxy or a test stand-in.

Modules: ``rest``, ``socketio`` (the web chat), ``telegram``, ``callback`` (custom gateways),
``twilio`` (WhatsApp), ``facebook`` (Messenger), ``slack``; ``common`` and ``guard`` hold what
they share. ``payloads`` (parsers and signatures), ``identity``, ``trust`` and ``refusals`` are
pure: standard library only, tested in the app env.

Configured by ``var/credentials.yml``, which ``bot/channel_credentials.py`` renders from env
vars. Rasa loads each connector by the dotted path there, ``bot.engine.channels.<Class>``:
this package names every connector class, and imports a platform's module (and with it rasa)
only when that class is asked for, so the pure modules import without rasa.
"""
from __future__ import annotations

import importlib
from typing import Any

_CONNECTORS = {
    "CallbackInput": "callback",
    "FacebookInput": "facebook",
    "RestInput": "rest",
    "SlackInput": "slack",
    "SocketIOInput": "socketio",
    "TelegramInput": "telegram",
    "TwilioInput": "twilio",
}

__all__ = sorted(_CONNECTORS)


def __getattr__(name: str) -> Any:
    """``bot.engine.channels.TelegramInput`` and the others, as Rasa's ``class_from_module_path`` asks."""
    if name not in _CONNECTORS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_CONNECTORS[name]}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
