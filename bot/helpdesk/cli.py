"""``python -m bot create-agent --email E --name N --role agent|admin [--languages he,en] [--password-stdin]``
and ``python -m bot update-agent --email E --languages he,en``.

Without ``--password-stdin`` the password is asked twice at a hidden prompt. The database is
migrated first, so this works on a fresh install.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.db import (
    DatabaseUnreachable,
    make_engine,
    make_session_factory,
    migrate,
    session_scope,
)
from bot.helpdesk.accounts import MIN_PASSWORD_LENGTH, ROLES, agent_by_email, create_agent, set_languages
from bot.helpdesk.errors import HelpdeskError
from bot.helpdesk.text import normalize_email
from bot.language import SUPPORTED_LANGUAGES
from bot.settings import SettingsError, load_settings

LANGUAGES_HELP = f"comma-separated codes of the languages the agent speaks ({', '.join(SUPPORTED_LANGUAGES)})"


def _language_list(text: str) -> list[str]:
    return [code for code in text.split(",") if code.strip()]


def create_agent_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot create-agent", description="Create an agent or admin account.")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--role", choices=ROLES, default="agent")
    parser.add_argument("--languages", type=_language_list, default=["en"], help=LANGUAGES_HELP + "; default en")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    args = parser.parse_args(argv)

    try:
        email = normalize_email(args.email)
    except ValueError as exc:
        print(f"create-agent: {exc}", file=sys.stderr)
        return 1
    password = _read_password(args.password_stdin)
    if password is None:
        return 1
    def create(session) -> str:
        agent = create_agent(
            session, email=email, name=args.name, role=args.role, password=password, languages=args.languages
        )
        return f"created {agent.role} {agent.name} <{agent.email}> (id {agent.id}), speaks {', '.join(agent.languages)}"

    return _in_database("create-agent", create)


def update_agent_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot update-agent", description="Change an agent's account.")
    parser.add_argument("--email", required=True, help="the agent's e-mail address")
    parser.add_argument("--languages", type=_language_list, required=True, help=LANGUAGES_HELP)
    args = parser.parse_args(argv)

    def update(session) -> str:
        agent = set_languages(session, agent=agent_by_email(session, email=args.email), languages=args.languages)
        return f"{agent.name} <{agent.email}> speaks {', '.join(agent.languages)}"

    return _in_database("update-agent", update)


def _in_database(command: str, work) -> int:
    """Run ``work(session)`` on the migrated database and print what it says; 1 with the reason when it cannot."""
    try:
        settings = load_settings()
        migrate(settings)
    except (SettingsError, DatabaseUnreachable) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            print(work(session))
    except HelpdeskError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _read_password(from_stdin: bool) -> str | None:
    """The password, or None after printing why it cannot be used."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            print("create-agent: the two passwords differ", file=sys.stderr)
            return None
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"create-agent: the password must have at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return None
    return password
