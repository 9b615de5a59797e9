"""One log format for every process, and redaction of secrets.

Each child process (Rasa, action server, helpdesk) writes lines in :data:`LOG_FORMAT` to its
stdout; the supervisor copies them to the console and to ``var/log/<process>.log`` after
:class:`Redactor` has masked secrets.
"""
from __future__ import annotations

import logging
import logging.config
import re
from collections.abc import Iterable
from pathlib import Path

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


class Redactor:
    """Masks known secret values and ``token=...`` query parameters in a log line."""

    TOKEN_PARAM = re.compile(r"((?:token|auth_token|password|secret)=)[^&\s\"']+", re.IGNORECASE)
    BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")

    def __init__(self, secrets: Iterable[str]):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, line: str) -> str:
        for secret in self._secrets:
            if secret in line:
                line = line.replace(secret, "***")
        line = self.TOKEN_PARAM.sub(r"\1***", line)
        return self.BEARER.sub(r"\1***", line)
