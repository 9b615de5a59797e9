"""The stack assembled from the settings: the three services (Rasa, action server, helpdesk) and
their environment, the checks and one-off work before any of them starts, :func:`start_services` (the KB index
built while Rasa loads, the action server after it), and :func:`start_stack` /
:func:`run_helpdesk`, which start them under a :class:`~bot.stack.supervisor.Supervisor`.
"""
from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.channel_credentials import (
    ChannelConfigError,
    channel_secrets,
    enabled_channels,
    render_credentials,
    write_credentials,
)
from bot.db import DatabaseUnreachable, migrate
from bot.logging_setup import Redactor, logging_dict, rasa_line_to_common_format, write_config
from bot.settings import PROJECT_ROOT, Settings, load_settings, secret_values
from bot.stack.model import train_if_needed
from bot.stack.supervisor import RestartPolicy, Service, StackError, Supervisor, child_env, engine_bin, port_in_use

logger = logging.getLogger("effortless.stack")
KEEP_ALIVE = ("--timeout-keep-alive", "75")
"""uvicorn's idle-connection time for the helpdesk: longer than an agent's pause between clicks and than a
proxy's idle upstream connections (nginx: 60 s). With uvicorn's 5 s, a request sent on a connection the
server is just closing fails with "connection reset" (seen by ``bench-helpdesk --think 2-6``)."""


def check_ports(settings: Settings) -> None:
    for variable, host, port in (("RASA_PORT", settings.host, settings.rasa_port),
                                 ("ACTION_PORT", settings.action_host, settings.action_port),
                                 ("HELPDESK_PORT", settings.host, settings.helpdesk_port)):
        if port_in_use(host, port):
            raise StackError(f"port {port} ({variable}) is already in use: stop what uses it or set {variable} to a free port")


def engine_endpoint_env(settings: Settings) -> dict[str, str]:
    """The variables endpoints.yml / endpoints.production.yml read, and ``COMPANY_NAME`` for the
    ``company`` slot that ``bot.engine.policy.ConversationSlotsPolicy`` sets."""
    from sqlalchemy.engine import make_url

    env = {"ACTION_ENDPOINT_URL": settings.action_server_url, "ACTION_SERVER_TOKEN": settings.action_server_token,
           "TRACKER_STORE_URL": settings.tracker_store_url, "COMPANY_NAME": settings.company_name}
    if settings.profile == "production":
        redis = make_url(settings.lock_store_url)
        env.update(
            LOCK_REDIS_HOST=redis.host or "localhost",
            LOCK_REDIS_PORT=str(redis.port or 6379),
            LOCK_REDIS_PASSWORD=redis.password or "",
            LOCK_REDIS_DB=(redis.database or "1"),
        )
    return env


def channel_env(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The variables Rasa's channel credentials are rendered from: ``env``, plus, in production,
    the lock store's Redis for several Rasa replicas to share socket.io emits."""
    shared = {"SOCKETIO_REDIS_URL": settings.lock_store_url} if settings.profile == "production" else {}
    return {**shared, **env}


def services(settings: Settings, model: Path, base_env: Mapping[str, str]) -> list[Service]:
    """The three processes of the stack, configured from ``settings``."""
    var = settings.var_dir
    logging_config = write_config(var / "logging.yml", logging_dict(settings.log_level))
    credentials = write_credentials(channel_env(settings, base_env), settings, var / "credentials.yml")
    endpoints = PROJECT_ROOT / ("endpoints.production.yml" if settings.profile == "production" else "endpoints.yml")
    env = child_env(base_env, LOG_LEVEL=settings.log_level)
    host = settings.host
    rasa = Service(
        name="rasa",
        # `rasa run` through bot/engine/serve.py, which adds the API token from RASA_TOKEN inside the
        # process: on the command line, `ps` would show it to every user of the machine.
        argv=[
            str(engine_bin("python")), "-m", "bot.engine.serve", "--enable-api", "--cors", "*",
            "-i", host, "-p", str(settings.rasa_port), "-m", str(model),
            "--endpoints", str(endpoints), "--credentials", str(credentials),
            "--logging-config-file", str(logging_config),
        ],
        health_url=f"http://{host}:{settings.rasa_port}/status?token={settings.rasa_token}",
        # Rasa's pinned libraries print deprecation warnings that say nothing to an operator.
        env={**env, **engine_endpoint_env(settings), "RASA_TOKEN": settings.rasa_token,
             "RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore"},
        url=f"http://{host}:{settings.rasa_port}",
        ready=lambda response: response.ok and bool(response.json().get("model_file")),
        reformat=rasa_line_to_common_format,
    )
    actions = Service(
        name="actions",
        argv=[sys.executable, "-m", "bot", "action-server"],
        health_url=f"http://{settings.action_host}:{settings.action_port}/health",
        env=env,
        url=f"http://{settings.action_host}:{settings.action_port}",
    )
    helpdesk = helpdesk_service(host, settings.helpdesk_port, env, "--log-config", str(logging_config),
                                "--workers", str(settings.helpdesk_workers), *KEEP_ALIVE)
    return [helpdesk, actions, rasa]


def helpdesk_service(host: str, port: int, env: dict[str, str], *uvicorn_options: str) -> Service:
    """The helpdesk web service (agent API, console, widget) under uvicorn."""
    return Service(
        name="helpdesk",
        argv=[
            sys.executable, "-m", "uvicorn", "bot.web.app:create_app", "--factory",
            "--host", host, "--port", str(port), "--no-server-header",
            # Live-update streams (SSE) of open consoles would otherwise hold shutdown indefinitely.
            "--timeout-graceful-shutdown", "5",
            # The app reads X-Forwarded-For itself, from TRUSTED_PROXIES only (login throttling);
            # uvicorn would otherwise believe it from any local process.
            "--no-proxy-headers",
            *uvicorn_options,
        ],
        health_url=f"http://{host}:{port}/health",
        env=env,
        url=f"http://{host}:{port}",
    )


@dataclass
class RunningStack:
    """A started stack. Its processes are ``supervisor.service("rasa" | "actions" | "helpdesk")``; tests
    inject faults with ``supervisor.kill(name)`` and wait for the replacement with ``supervisor.wait_healthy(name)``."""

    settings: Settings
    supervisor: Supervisor
    model: Path

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def helpdesk_url(self) -> str:
        return self.settings.helpdesk_url


def prepare(settings: Settings, env: Mapping[str, str]) -> Path:
    """Checks and one-off work before any process starts; returns the model to serve."""
    check_ports(settings)
    try:
        enabled = enabled_channels(render_credentials(channel_env(settings, env), settings))
    except ChannelConfigError as exc:
        raise StackError(str(exc)) from None
    logger.info("channels: %s", ", ".join(enabled))
    try:
        migrate(settings)
    except DatabaseUnreachable as exc:  # also a SQLite path whose folder cannot be created
        raise StackError(str(exc)) from None
    return train_if_needed(env=env)


class KbIndexing:
    """``python -m bot kb index`` (the KB index built into its cache unless it is there), in a process of its own
    so the supervisor holds no index; :meth:`wait` before the action server starts.

    Why: the action server is ready only once it can answer, so its first build would count against
    ``STARTUP_TIMEOUT_S``; for a KB of a thousand articles that build takes minutes, start-up gave up, and the
    build, stopped with the action server, never reached the cache, so every try failed the same way. Here the
    build has no time limit and the action server loads the result in seconds. A KB file that cannot be read is
    logged and left to the action server, which reports it as after any edit."""

    def __init__(self, settings: Settings, env: Mapping[str, str]):
        logger.info("indexing the knowledge base if it changed (a first build of a big KB takes minutes)")
        self._started = time.monotonic()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot", "kb", "index"], cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=child_env(env, LOG_LEVEL=settings.log_level),
        )

    def wait(self) -> None:
        output, _ = self._process.communicate()
        ok = self._process.returncode == 0
        for line in output.splitlines():
            (logger.info if ok else logger.warning)("kb index: %s", line)
        if ok:
            logger.info("knowledge base ready in %.0f s", time.monotonic() - self._started)

    def stop(self) -> None:
        """End the build if start-up failed before :meth:`wait` (it would otherwise outlive ``make run``)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def start_services(supervisor: Supervisor, settings: Settings, model: Path, env: Mapping[str, str]) -> None:
    """Start the three processes: Rasa and the helpdesk at once, the action server once the KB index is in its
    cache, so that building or checking the index overlaps Rasa's model load instead of preceding it."""
    indexing = KbIndexing(settings, env)
    try:
        by_name = {service.name: service for service in services(settings, model, env)}
        supervisor.start(by_name.pop("rasa"))
        supervisor.start(by_name.pop("helpdesk"))
        indexing.wait()
        supervisor.start(by_name.pop("actions"))
    finally:
        indexing.stop()


@contextmanager
def start_stack(env: Mapping[str, str], console: TextIO | None = None,
                timeout_s: float | None = None) -> Iterator[RunningStack]:
    """Start every process with settings from ``env``, restart one that dies (``RESTART_LIMIT_PER_MINUTE``),
    and stop them all on exit. ``timeout_s``: how long each may take to be ready (``STARTUP_TIMEOUT_S``)."""
    settings = load_settings(env)
    model = prepare(settings, env)
    supervisor = Supervisor(settings.log_dir, Redactor(secret_values(settings) + channel_secrets(channel_env(settings, env))),
                            console, RestartPolicy(settings.restart_limit_per_minute))
    try:
        start_services(supervisor, settings, model, env)
        supervisor.wait_ready(settings.startup_timeout_s if timeout_s is None else timeout_s)
        supervisor.keep_alive()
        yield RunningStack(settings=settings, supervisor=supervisor, model=model)
    finally:
        supervisor.stop()


@contextmanager
def run_helpdesk(env: Mapping[str, str], port: int, log_dir: Path, *uvicorn_options: str,
                 timeout_s: float = 60.0) -> Iterator[Service]:
    """Only the helpdesk service, supervised like in the stack (benchmarks, tests without Rasa).

    ``env`` is the process's whole environment (PATH included), as for :func:`start_stack`.
    """
    supervisor = Supervisor(log_dir, Redactor([]), console=None)
    service = helpdesk_service("127.0.0.1", port, child_env(env), *uvicorn_options)
    try:
        supervisor.start(service)
        supervisor.wait_ready(timeout_s)
        yield service
    finally:
        supervisor.stop()
