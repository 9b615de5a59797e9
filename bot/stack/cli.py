"""``python -m bot run|train|migrate|action-server``: the stack's command-line entry points."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from bot.db import DatabaseUnreachable, migrate
from bot.logging_setup import configure
from bot.settings import Settings, SettingsError, load_settings
from bot.stack.assembly import start_stack
from bot.stack.model import train_if_needed
from bot.stack.supervisor import StackError


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
        f"  Action server       http://{settings.action_host}:{settings.action_port}",
        f"Logs: {settings.log_dir}/   Create an agent: .venv/bin/python -m bot create-agent --email you@example.com --name You --role admin",
        "Press Ctrl-C to stop.",
        "",
    ])


def run_main(argv: list[str]) -> int:
    """``make run``: start everything, print the URLs, restart a process that dies, stop everything on Ctrl-C."""
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
                given_up = stack.supervisor.given_up
                if given_up is not None:
                    raise StackError(f"{given_up.name} {given_up.exits[-1].reason} and restarts are off "
                                     f"(RESTART_LIMIT_PER_MINUTE=0); see {settings.log_dir}/{given_up.name}.log")
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
    """The Rasa action server for ``actions/``, with our logging and settings, behind ``ACTION_SERVER_TOKEN``."""
    parser = argparse.ArgumentParser(prog="python -m bot action-server")
    parser.parse_args(argv)
    settings = load_settings()
    configure(settings.log_level)
    from bot.kb.threads import answer_questions_single_threaded
    from bot.stack.action_server import serve

    answer_questions_single_threaded()
    # Build the KB index before serving (10-50 s with embeddings, while Rasa loads its model): the server is
    # healthy, and `make run` ready, only once it can answer, so no customer's question pays for the build.
    from actions.services import services

    knowledge_base = services().knowledge_base
    knowledge_base.current()
    try:
        serve(settings, knowledge_base)
    finally:
        services().query_log.close()  # the lookups of the last answers, written before the process ends
    return 0
