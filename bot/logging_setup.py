"""One log format for every process, and redaction of secrets and personal data.

Each child process (Rasa, action server, helpdesk) writes lines in :data:`LOG_FORMAT` to its
stdout; the supervisor copies them to the console and to ``var/log/<process>.log`` after
:class:`Redactor` has masked secrets, e-mail addresses and phone numbers and pseudonymised
conversation ids. Every process runs under the supervisor, so this one place covers all of them.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import logging.config
import re
from collections.abc import Iterable
from pathlib import Path
from secrets import token_bytes
from urllib.parse import unquote

import yaml

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def logging_dict(level: str) -> dict:
    """A ``logging.config.dictConfig`` used by all processes (Rasa reads it from YAML).

    Only stdlib classes, so the engine env can load it too; the supervisor runs every child
    with ``TZ=UTC`` so the timestamps are UTC.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"format": LOG_FORMAT, "datefmt": DATE_FORMAT}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stdout"}
        },
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            # uvicorn installs its own handlers unless told otherwise; route them through ours.
            "uvicorn": {"level": level, "handlers": ["console"], "propagate": False},
            "uvicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "uvicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
            "alembic": {"level": "WARNING"},
        },
    }


def configure(level: str) -> None:
    logging.config.dictConfig(logging_dict(level))


def write_config(path: Path, config: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


_COLOREDLOGS_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) (DEBUG|INFO|WARNING|ERROR|CRITICAL)\s+(\S+)\s+- (.*)$"
)


def rasa_line_to_common_format(line: str) -> str:
    """Rasa 3.6 hard-codes a coloredlogs format; rewrite its lines into :data:`LOG_FORMAT`.

    Its processes run with ``TZ=UTC``, so the local time it prints is UTC.
    """
    match = _COLOREDLOGS_LINE.match(line)
    if match is None:
        return line
    day, clock, level, name, message = match.groups()
    return f"{day}T{clock}Z {level} {name}: {message}"


CHANNEL_PREFIXES = (
    "rest", "web", "socketio", "telegram", "whatsapp", "twilio", "slack", "facebook", "messenger", "callback", "email",
    "sms",
)
"""Channels a namespaced conversation id starts with (``telegram:123456``, ``whatsapp:+15551234567``,
``web:9f…``; bot/engine/channels/identity.py names them), and a few more that may come."""
PSEUDONYM_MARK = "~"
EMAIL_MASK = "<email>"
PHONE_MASK = "<phone>"
_ID = r"[^\s/?&#\"'<>,;()\[\]{}]+"


def _digit_count(text: str) -> int:
    return sum(character.isdigit() for character in text)


def _phone_mask(low: int, high: int):
    """A substitution that masks a candidate only if it has ``low`` to ``high`` digits."""
    return lambda match: PHONE_MASK if low <= _digit_count(match.group()) <= high else match.group()


class Redactor:
    """Makes a log line safe to show and store: secrets, e-mail addresses and phone numbers are
    masked, and conversation ids are replaced by a short pseudonym.

    A pseudonym (``telegram:~3fa9c01b``) is a keyed hash of the id, so one conversation reads the
    same on every line and operators can still follow it, but the chat id or phone number cannot be
    read back, nor found by hashing guesses, without the key. The key is derived from the stack's
    secrets, so pseudonyms survive restarts; a redactor given no secrets uses a random key.

    Numbers that are not clearly phone numbers stay (ticket references, timestamps, ports,
    versions, ids): a phone number is ``+`` and 8 to 15 digits, or a national form with a leading
    0, an area code in parentheses or US dashes (``020 7946 0958``, ``(555) 123-4567``,
    ``555-123-4567``). A conversation id is recognised by its channel prefix, by Rasa's
    ``/conversations/<id>`` path, or by the words before it (``chat 123456``, ``sender_id=...``,
``message from 123456``).
    """

    TOKEN_PARAM = re.compile(r"((?:token|auth_token|password|secret)=)[^&\s\"']+", re.IGNORECASE)
    BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")
    CONVERSATION_PATH = re.compile(rf"(/conversations/)({_ID})")
    NAMESPACED_ID = re.compile(rf"\b({'|'.join(CHANNEL_PREFIXES)})(?::|%3A)(?!{PSEUDONYM_MARK})({_ID})", re.IGNORECASE)
    NAMED_ID = re.compile(
        r"\b(chat|chat_id|sender|sender_id|recipient|recipient_id|conversation|conversation_id|message (?:from|to|for))"
        r"(['\"]?\s*[=:]\s*['\"]?|\s+)(?=[\w+.:@-]*\d)([\w+](?:[\w+.:@-]*\w)?)",
        re.IGNORECASE,
    )
    EMAIL = re.compile(
        r"(?<![\w.%+-])[\w.%+-][\w.%+'-]{0,63}(?:@|%40)[^\W_](?:[\w-]{0,61}[^\W_])?(?:\.[^\W_](?:[\w-]{0,61}[^\W_])?)*"
        r"\.[^\W\d_]{2,24}\b"
    )
    INTERNATIONAL_PHONE = re.compile(r"(?<![\w+/=.:-])\+\d(?:[ ().-]{0,2}\d){6,14}(?![\w.-]?\d)")
    NATIONAL_PHONE = re.compile(
        r"(?<![\w+/=.:-])(?:0\d{1,4}(?:[ -]\d{2,4}){2,4}|\(\d{2,4}\) ?\d{3}[ -]?\d{4}|\d{3}-\d{3}-\d{4})"
        r"(?![\w-]|\.\d)"
    )

    def __init__(self, secrets: Iterable[str], pseudonym_key: bytes | None = None):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        if pseudonym_key is None:
            pseudonym_key = (hashlib.sha256("\0".join(sorted(self._secrets)).encode()).digest()
                             if self._secrets else token_bytes(32))
        self._key = pseudonym_key

    def __call__(self, line: str) -> str:
        for secret in self._secrets:
            if secret in line:
                line = line.replace(secret, "***")
        line = self.TOKEN_PARAM.sub(r"\1***", line)
        line = self.BEARER.sub(r"\1***", line)
        return self.redact_personal_data(line)

    def redact_personal_data(self, line: str) -> str:
        """Conversation ids pseudonymised, then e-mail addresses and phone numbers masked."""
        line = self.CONVERSATION_PATH.sub(lambda m: m.group(1) + self.conversation(unquote(m.group(2))), line)
        line = self.NAMESPACED_ID.sub(self._namespaced, line)
        line = self.NAMED_ID.sub(lambda m: m.group(1) + m.group(2) + self.pseudonym(m.group(3)), line)
        if "@" in line or "%40" in line:
            line = self.EMAIL.sub(EMAIL_MASK, line)
        line = self.INTERNATIONAL_PHONE.sub(_phone_mask(8, 15), line)
        return self.NATIONAL_PHONE.sub(_phone_mask(9, 15), line)

    def _namespaced(self, match: re.Match) -> str:
        """``channel:id`` → ``channel:~pseudonym``; a full stop or colon ending a sentence stays outside."""
        identifier = match.group(2)
        trailing = identifier[len(identifier.rstrip(".:")):]
        identifier = identifier[: len(identifier) - len(trailing)]
        if not identifier:
            return match.group()
        return f"{match.group(1)}:{self.pseudonym(unquote(identifier))}{trailing}"

    def pseudonym(self, identifier: str) -> str:
        """``~`` and 8 hex digits: the same for the same id under the same key."""
        if identifier.startswith(PSEUDONYM_MARK):
            return identifier
        digest = hmac.new(self._key, identifier.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return PSEUDONYM_MARK + digest[:8]

    def conversation(self, conversation_id: str) -> str:
        """A conversation id with its channel prefix kept and the rest pseudonymised."""
        channel, separator, rest = conversation_id.partition(":")
        if separator and rest and channel.lower() in CHANNEL_PREFIXES:
            return f"{channel}:{self.pseudonym(rest)}"
        return self.pseudonym(conversation_id)
