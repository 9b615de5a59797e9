"""Run the whole stack: train if needed, migrate, start Rasa + action server + helpdesk, supervise.

``make run`` calls :func:`main`; the end-to-end tests use :func:`start_stack` with free ports
and a temporary ``var/`` so they exercise exactly the same start-up path.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

import requests

from bot.channel_credentials import (
    ChannelConfigError,
    channel_secrets,
    enabled_channels,
    render_credentials,
    write_credentials,
)
from bot.db import DatabaseUnreachable, migrate
from bot.logging_setup import Redactor, configure, logging_dict, rasa_line_to_common_format, write_config
from bot.settings import PROJECT_ROOT, Settings, SettingsError, load_settings, secret_values

logger = logging.getLogger("effortless.stack")

TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/rules", "data/stories")
TRAINING_DATA_DIRS = ("data/nlu", "data/rules", "data/stories")
MODEL_PREFIX = "effortless-"


class StackError(RuntimeError):
    """Start-up cannot continue; the message is one line a user can act on."""


def engine_bin(name: str) -> Path:
    """An executable of the engine env (``.venv-engine``, or ``ENGINE_VENV``)."""
    venv = Path(os.environ.get("ENGINE_VENV") or PROJECT_ROOT / ".venv-engine")
    path = venv / "bin" / name
    if not path.exists():
        raise StackError(f"{path} not found: run `make venvs` (or scripts/bootstrap.sh) first")
    return path


# --- the Rasa model ------------------------------------------------------------------------


def training_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of everything training reads; KB content (data/kb) is deliberately not part of it.

    A missing input counts as empty: git keeps no empty folders, so a fresh clone has no data/stories.
    """
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.exists() else []
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path_for(fingerprint: str, models_dir: Path) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint}.tar.gz"


def train_if_needed(models_dir: Path = PROJECT_ROOT / "models", env: Mapping[str, str] | None = None) -> Path:
    """Return the model for the current training data, training it only when none exists yet."""
    fingerprint = training_fingerprint()
    model = model_path_for(fingerprint, models_dir)
    if model.exists():
        logger.info("model %s is up to date; not training", model.name)
        return model
    logger.info("training data changed: training %s (this takes a few minutes)", model.name)
    started = time.monotonic()
    command = [
        str(engine_bin("rasa")), "train",
        "--config", "config.yml", "--domain", "domain.yml",
        # Rasa replaces a missing --data folder with the whole data/ (KB and topic files included).
        "--data", *(name for name in TRAINING_DATA_DIRS if (PROJECT_ROOT / name).is_dir()),
        "--out", str(models_dir), "--fixed-model-name", model.name[: -len(".tar.gz")],
    ]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=_child_env(env or os.environ))
    if result.returncode != 0 or not model.exists():
        raise StackError(f"`rasa train` failed (exit {result.returncode}); see its output above")
    logger.info("trained %s in %.0f s", model.name, time.monotonic() - started)
    return model


# --- processes -------------------------------------------------------------------------------


@dataclass
class Service:
    """One supervised process and how to tell that it is ready."""

    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str]
    url: str
    ready: Callable[[requests.Response], bool] = lambda response: response.ok
    reformat: Callable[[str], str] = lambda line: line
    process: subprocess.Popen[str] | None = None
    tail: list[str] = field(default_factory=list)

    @property
    def running(self) -> subprocess.Popen[str]:
        """The process, once :meth:`Supervisor.start` started it (the supervisor only lists started ones)."""
        if self.process is None:
            raise StackError(f"{self.name} was never started")
        return self.process


def _child_env(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    env = dict(base)
    env.update(extra)
    env["TZ"] = "UTC"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), base.get("PYTHONPATH", "")]))
    return env


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(settings: Settings) -> None:
    for variable, port in (("RASA_PORT", settings.rasa_port), ("ACTION_PORT", settings.action_port),
                           ("HELPDESK_PORT", settings.helpdesk_port)):
        if port_in_use(settings.host, port):
            raise StackError(f"port {port} ({variable}) is already in use: stop what uses it or set {variable} to a free port")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def engine_endpoint_env(settings: Settings) -> dict[str, str]:
    """The variables endpoints.yml / endpoints.production.yml read."""
    from sqlalchemy.engine import make_url

    env = {"ACTION_ENDPOINT_URL": settings.action_server_url, "TRACKER_STORE_URL": settings.tracker_store_url}
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
    credentials = write_credentials(channel_env(settings, base_env), var / "credentials.yml")
    endpoints = PROJECT_ROOT / ("endpoints.production.yml" if settings.profile == "production" else "endpoints.yml")
    env = _child_env(base_env, LOG_LEVEL=settings.log_level)
    host = settings.host
    rasa = Service(
        name="rasa",
        argv=[
            str(engine_bin("rasa")), "run", "--enable-api", "--auth-token", settings.rasa_token, "--cors", "*",
            "-i", host, "-p", str(settings.rasa_port), "-m", str(model),
            "--endpoints", str(endpoints), "--credentials", str(credentials),
            "--logging-config-file", str(logging_config),
        ],
        health_url=f"http://{host}:{settings.rasa_port}/status?token={settings.rasa_token}",
        # Rasa's pinned libraries print deprecation warnings that say nothing to an operator.
        env={**env, **engine_endpoint_env(settings), "RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore"},
        url=f"http://{host}:{settings.rasa_port}",
        ready=lambda response: response.ok and bool(response.json().get("model_file")),
        reformat=rasa_line_to_common_format,
    )
    actions = Service(
        name="actions",
        argv=[sys.executable, "-m", "bot", "action-server"],
        health_url=f"http://{host}:{settings.action_port}/health",
        env={**env, "SANIC_HOST": host},
        url=f"http://{host}:{settings.action_port}",
    )
    helpdesk = helpdesk_service(host, settings.helpdesk_port, env, "--log-config", str(logging_config))
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
            *uvicorn_options,
        ],
        health_url=f"http://{host}:{port}/health",
        env=env,
        url=f"http://{host}:{port}",
    )


class Supervisor:
    """Starts processes in their own process groups, copies their output, stops them all."""

    def __init__(self, log_dir: Path, redact: Redactor, console: TextIO | None):
        self.log_dir = log_dir
        self.redact = redact
        self.console = console
        self.services: list[Service] = []
        self._console_lock = threading.Lock()

    def start(self, service: Service) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        service.process = subprocess.Popen(
            service.argv, cwd=PROJECT_ROOT, env=service.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
        assert service.process.stdout is not None  # stdout=PIPE
        self.services.append(service)
        threading.Thread(
            target=self._copy_output, args=(service, service.process.stdout), daemon=True, name=f"log-{service.name}"
        ).start()

    def _copy_output(self, service: Service, output: IO[str]) -> None:
        width = max(len(s.name) for s in self.services) if self.services else 8
        with open(self.log_dir / f"{service.name}.log", "a", encoding="utf-8") as log_file:
            for raw in output:
                line = self.redact(service.reformat(raw.rstrip("\n")))
                log_file.write(line + "\n")
                log_file.flush()
                service.tail = (service.tail + [line])[-30:]
                if self.console is not None:
                    with self._console_lock:
                        self.console.write(f"{service.name.ljust(max(width, 8))} | {line}\n")
                        self.console.flush()

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        while pending:
            for service in list(pending):
                if service.running.poll() is not None:
                    time.sleep(0.3)  # let the output thread copy the last lines
                    last = next((l for l in reversed(service.tail) if l.strip()), "no output")
                    raise StackError(f"{service.name} exited with code {service.running.returncode} during start-up: {last}")
                try:
                    response = requests.get(service.health_url, timeout=2)
                    if service.ready(response):
                        pending.remove(service)
                        logger.info("%s is ready at %s", service.name, service.url)
                except (requests.RequestException, ValueError):
                    pass
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StackError(f"{names} not ready after {timeout_s:.0f} s; see var/log/")
            time.sleep(0.25)

    def first_exited(self) -> Service | None:
        return next((s for s in self.services if s.running.poll() is not None), None)

    def stop(self, timeout_s: float = 15.0) -> None:
        for service in self.services:
            if service.running.poll() is None:
                try:
                    os.killpg(service.running.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout_s
        for service in self.services:
            try:
                service.running.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time; killing it", service.name)
            try:
                os.killpg(service.running.pid, signal.SIGKILL)  # also any grandchildren left behind
            except ProcessLookupError:
                pass
            service.running.wait()


@dataclass
class RunningStack:
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
        enabled = enabled_channels(render_credentials(channel_env(settings, env)))
    except ChannelConfigError as exc:
        raise StackError(str(exc)) from None
    logger.info("channels: %s", ", ".join(enabled))
    try:
        migrate(settings)
    except DatabaseUnreachable as exc:  # also a SQLite path whose folder cannot be created
        raise StackError(str(exc)) from None
    return train_if_needed(env=env)


@contextmanager
def start_stack(env: Mapping[str, str], console: TextIO | None = None, timeout_s: float = 180.0) -> Iterator[RunningStack]:
    """Start every process with settings from ``env`` and stop them all on exit."""
    settings = load_settings(env)
    model = prepare(settings, env)
    supervisor = Supervisor(settings.log_dir, Redactor(secret_values(settings) + channel_secrets(channel_env(settings, env))), console)
    try:
        for service in services(settings, model, env):
            supervisor.start(service)
        supervisor.wait_ready(timeout_s)
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
    service = helpdesk_service("127.0.0.1", port, _child_env(env), *uvicorn_options)
    try:
        supervisor.start(service)
        supervisor.wait_ready(timeout_s)
        yield service
    finally:
        supervisor.stop()


def banner(settings: Settings) -> str:
    helpdesk = settings.public_helpdesk_url
    return "\n".join([
        "",
        "Effortless is running:",
        f"  Web chat demo       {helpdesk}/demo",
        f"  Agent console       {helpdesk}/agent",
        f"  Support reports     {helpdesk}/agent/reports",
        f"  Helpdesk API docs   {helpdesk}/docs   (OpenAPI: {helpdesk}/openapi.json)",
        f"  Rasa server         {settings.rasa_url}   (REST: {settings.rasa_url}/webhooks/rest/webhook)",
        f"  Action server       http://{settings.host}:{settings.action_port}",
        f"Logs: {settings.log_dir}/   Create an agent: .venv/bin/python -m bot create-agent --email you@example.com --name You --role admin",
        "Press Ctrl-C to stop.",
        "",
    ])


def main(argv: list[str]) -> int:
    """``make run``: start everything, print the URLs, stop everything on Ctrl-C."""
    argparse.ArgumentParser(prog="python -m bot run", description="Run the whole Effortless stack.").parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"effortless: {exc}", file=sys.stderr)
        return 2
    configure(settings.log_level)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        with start_stack(os.environ, console=sys.stdout) as stack:
            print(banner(stack.settings), flush=True)
            _start_kb_watch(stack.settings, stop)
            while not stop.wait(0.5):
                exited = stack.supervisor.first_exited()
                if exited is not None:
                    raise StackError(f"{exited.name} stopped unexpectedly (exit {exited.running.returncode}); see {settings.log_dir}/{exited.name}.log")
            print("effortless: stopping…", flush=True)
    except StackError as exc:
        print(f"effortless: {exc}", file=sys.stderr)
        return 1
    return 0


def _start_kb_watch(settings: Settings, stop: threading.Event) -> None:
    from bot.kb.watch import watch_kb

    threading.Thread(target=watch_kb, args=(settings, stop), daemon=True, name="kb-watch").start()


def train_main(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m bot train", description="Train the Rasa model if its inputs changed.").parse_args(argv)
    configure(os.environ.get("LOG_LEVEL", "INFO").upper())
    try:
        print(train_if_needed())
    except StackError as exc:
        print(f"effortless: {exc}", file=sys.stderr)
        return 1
    return 0


def migrate_main(argv: list[str]) -> int:
    argparse.ArgumentParser(prog="python -m bot migrate", description="Apply database migrations.").parse_args(argv)
    try:
        settings = load_settings()
        configure(settings.log_level)
        migrate(settings)
    except (SettingsError, DatabaseUnreachable) as exc:
        print(f"effortless: {exc}", file=sys.stderr)
        return 1
    return 0


def action_server_main(argv: list[str]) -> int:
    """The Rasa action server for ``actions/``, with our logging and settings."""
    parser = argparse.ArgumentParser(prog="python -m bot action-server")
    parser.parse_args(argv)
    settings = load_settings()
    configure(settings.log_level)
    from rasa_sdk.endpoint import run

    from bot.kb.threads import answer_questions_single_threaded

    answer_questions_single_threaded()
    # Build the KB index before serving (10-50 s with embeddings, while Rasa loads its model): the server is
    # healthy, and `make run` ready, only once it can answer, so no customer's question pays for the build.
    from actions.services import services

    services().knowledge_base.current()

    os.environ.setdefault("SANIC_HOST", settings.host)
    run("actions", port=settings.action_port)
    return 0
