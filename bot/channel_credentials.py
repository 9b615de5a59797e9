"""The Rasa channels to switch on, rendered from environment variables and the settings.

Rasa's ``credentials.yml`` supports ``${VAR}`` but fails when a variable is unset, so the
committed ``credentials.yml`` only documents every channel; at start-up the supervisor calls
:func:`write_credentials` to produce ``var/credentials.yml`` with the channels whose variables
are set, plus the web chat (always on) and REST (on in the local profile; in production only
with ``REST_CHANNEL_TOKEN``). Every channel also gets the message guard's limits from the
settings (``MAX_MESSAGE_CHARS``, ``ACTION_SERVER_WAIT_S``). The connectors themselves live in the
``bot/engine/channels/`` package (loaded by the Rasa server); this module never imports rasa.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.settings import Settings, SettingsError

ENGINE = "bot.engine.channels"
REST_KEY = f"{ENGINE}.RestInput"
SOCKETIO_KEY = f"{ENGINE}.SocketIOInput"
SOCKETIO_CREDENTIALS = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered"}


class ChannelConfigError(SettingsError):
    """A messaging channel is half configured or has an unusable value; the message names the variable."""


def _url(name: str, value: str) -> None:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ChannelConfigError(f"{name} must be an http(s) URL, got {value!r}")


def _telegram_token(name: str, value: str) -> None:
    if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value):
        raise ChannelConfigError(f"{name} does not look like a Telegram bot token (digits:letters, from @BotFather)")


def _whatsapp_number(name: str, value: str) -> None:
    if not re.fullmatch(r"whatsapp:\+\d{6,15}", value):
        raise ChannelConfigError(f"{name} must look like whatsapp:+14155238886, got {value!r}")


Check = Callable[[str, str], None]


@dataclass(frozen=True)
class Channel:
    """One messaging channel: its ``credentials.yml`` key and which env var fills which field."""

    title: str
    key: str
    required: tuple[tuple[str, str], ...]  # (credentials field, env var)
    optional: tuple[tuple[str, str], ...] = ()
    checks: dict[str, Check] = field(default_factory=dict)  # env var -> validation
    secrets: tuple[str, ...] = ()  # env vars whose values must never be logged

    @property
    def variables(self) -> list[str]:
        return [variable for _, variable in self.required + self.optional]

    def credentials(self, env: Mapping[str, str]) -> dict | None:
        """This channel's credentials entry, or ``None`` when none of its required vars are set."""
        present = [variable for _, variable in self.required if env.get(variable, "").strip()]
        if not present:
            return None
        missing = [variable for _, variable in self.required if variable not in present]
        if missing:
            raise ChannelConfigError(
                f"{self.title} is partly configured: {', '.join(present)} set but "
                f"{', '.join(missing)} missing (set all of them, or none to turn {self.title} off)"
            )
        entry = {}
        for credential, variable in self.required + self.optional:
            value = env.get(variable, "").strip()
            if not value:
                continue
            if "${" in value:
                raise ChannelConfigError(f"{variable} must not contain '${{' (Rasa would read it as a variable)")
            if variable in self.checks:
                self.checks[variable](variable, value)
            entry[credential] = value
        return entry


CHANNELS: tuple[Channel, ...] = (
    Channel(
        title="Telegram",
        key=f"{ENGINE}.TelegramInput",
        required=(("access_token", "TELEGRAM_TOKEN"), ("verify", "TELEGRAM_VERIFY"),
                  ("webhook_url", "TELEGRAM_WEBHOOK_URL")),
        optional=(("secret_token", "TELEGRAM_SECRET_TOKEN"), ("api_url", "TELEGRAM_API_URL")),
        checks={"TELEGRAM_TOKEN": _telegram_token, "TELEGRAM_WEBHOOK_URL": _url, "TELEGRAM_API_URL": _url},
        secrets=("TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN"),
    ),
    Channel(
        title="Slack",
        key=f"{ENGINE}.SlackInput",
        required=(("slack_token", "SLACK_TOKEN"), ("slack_signing_secret", "SLACK_SIGNING_SECRET")),
        optional=(("slack_channel", "SLACK_CHANNEL"), ("api_url", "SLACK_API_URL")),
        checks={"SLACK_API_URL": _url},
        secrets=("SLACK_TOKEN", "SLACK_SIGNING_SECRET"),
    ),
    Channel(
        title="Facebook Messenger",
        key=f"{ENGINE}.FacebookInput",
        required=(("verify", "FACEBOOK_VERIFY"), ("secret", "FACEBOOK_SECRET"),
                  ("page-access-token", "FACEBOOK_PAGE_ACCESS_TOKEN")),
        optional=(("api_url", "FACEBOOK_GRAPH_URL"),),
        checks={"FACEBOOK_GRAPH_URL": _url},
        secrets=("FACEBOOK_VERIFY", "FACEBOOK_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"),
    ),
    Channel(
        title="WhatsApp (Twilio)",
        key=f"{ENGINE}.TwilioInput",
        required=(("account_sid", "TWILIO_ACCOUNT_SID"), ("auth_token", "TWILIO_AUTH_TOKEN"),
                  ("twilio_number", "TWILIO_WHATSAPP_NUMBER")),
        optional=(("webhook_url", "TWILIO_WEBHOOK_URL"), ("api_url", "TWILIO_API_URL")),
        checks={"TWILIO_WHATSAPP_NUMBER": _whatsapp_number, "TWILIO_WEBHOOK_URL": _url, "TWILIO_API_URL": _url},
        secrets=("TWILIO_AUTH_TOKEN",),
    ),
    Channel(
        title="Callback (custom gateway)",
        key=f"{ENGINE}.CallbackInput",
        required=(("url", "CALLBACK_URL"), ("secret", "CALLBACK_SECRET")),
        checks={"CALLBACK_URL": _url},
        secrets=("CALLBACK_SECRET",),
    ),
)


def render_credentials(env: Mapping[str, str], settings: Settings) -> dict:
    """The effective Rasa credentials: REST (unless the profile keeps it off), the web chat and
    every fully configured channel, each with the message guard's limits.

    Raises :class:`ChannelConfigError` for a half-configured channel or a malformed value.
    """
    limits = {"max_message_chars": settings.max_message_chars, "action_server_wait_s": settings.action_server_wait_s}
    credentials: dict = {}
    if settings.rest_channel_token:
        credentials[REST_KEY] = {"token": settings.rest_channel_token, **limits}
    elif settings.profile != "production":
        credentials[REST_KEY] = dict(limits)
    credentials[SOCKETIO_KEY] = {**_socketio_credentials(env, settings), **limits}
    for channel in CHANNELS:
        entry = channel.credentials(env)
        if entry is not None:
            credentials[channel.key] = {**entry, **limits}
    return credentials


def _socketio_credentials(env: Mapping[str, str], settings: Settings) -> dict:
    """The web chat's socket.io channel, its sessions signed with ``WEB_CHAT_SECRET``, host pages'
    signed identities checked with ``IDENTITY_VERIFICATION_SECRET``, and the helpdesk it reports
    open and closed chats to; with ``SOCKETIO_REDIS_URL`` it shares emits through Redis, so that
    any Rasa replica can push to a web chat another replica holds."""
    credentials = {**SOCKETIO_CREDENTIALS, "session_secret": settings.web_chat_secret,
                   "identity_secret": settings.identity_verification_secret,
                   "helpdesk_url": settings.helpdesk_url, "service_token": settings.service_token}
    redis_url = env.get("SOCKETIO_REDIS_URL", "").strip()
    if not redis_url:
        return credentials
    if not re.match(r"^rediss?://", redis_url) or "${" in redis_url:
        raise ChannelConfigError("SOCKETIO_REDIS_URL must be a redis:// or rediss:// URL")
    return {**credentials, "redis_url": redis_url}


def enabled_channels(credentials: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Human names of the channels in rendered credentials, for the start-up log."""
    titles = {channel.key: channel.title for channel in CHANNELS}
    names = []
    for key, entry in credentials.items():
        if key == REST_KEY:
            names.append("rest (token required)" if entry.get("token") else "rest (open: local profile)")
        elif key == SOCKETIO_KEY:
            names.append("socketio (shared through Redis)" if entry.get("redis_url") else "socketio")
        else:
            names.append(titles.get(key, key))
    return names


def channel_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """Values of the channel credentials that the log redaction must mask."""
    env = os.environ if env is None else env
    secrets = [env[name] for channel in CHANNELS for name in channel.secrets if env.get(name, "").strip()]
    redis_password = urlsplit(env.get("SOCKETIO_REDIS_URL", "").strip()).password
    return secrets + ([redis_password] if redis_password else [])


class _QuotedDumper(yaml.SafeDumper):
    """Double-quotes every string: Rasa then cannot mistake a value for ``${VAR}`` or a number."""


_QuotedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def write_credentials(env: Mapping[str, str], settings: Settings, path: Path) -> Path:
    """Write :func:`render_credentials` to ``path`` (owner-only: it holds secrets); return ``path``."""
    credentials = render_credentials(env, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("# Rendered from environment variables by bot/channel_credentials.py at start-up; do not edit.\n")
        yaml.dump(credentials, file, Dumper=_QuotedDumper, sort_keys=False, allow_unicode=True)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    return path
