"""``python -m bot customer export|erase|prune``: a customer's data on request, and retention.

    python -m bot customer export --email E | --conversation ID     JSON on stdout
    python -m bot customer erase  --email E | --conversation ID [--yes]
    python -m bot customer prune [--days N]

Exit codes: 0 done; 1 nothing done (nobody found, ``--yes`` missing, a store unusable); 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.db import DatabaseUnreachable, check_reachable, make_engine, make_session_factory, safe_url, session_scope
from bot.privacy.erase import erase
from bot.privacy.export import export
from bot.privacy.locate import InvalidSubject, Subject, locate
from bot.privacy.retention import prune
from bot.privacy.trackers import TrackerStore, TrackerStoreUnavailable
from bot.settings import Settings, SettingsError, load_settings

PROG = "python -m bot customer"


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog=PROG, description="A customer's personal data: export, erase, and retention.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="export|erase|prune")
    for name, help_text in (("export", "print everything held about a customer, as JSON"),
                            ("erase", "delete or anonymise everything held about a customer")):
        command = commands.add_parser(name, help=help_text, description=help_text)
        who = command.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", help="the customer's e-mail address")
        who.add_argument("--conversation", metavar="ID", help="one conversation id (e.g. telegram:123456)")
    commands.choices["erase"].add_argument(
        "--yes", action="store_true", help="really erase; without it, only say what would be erased")
    pruning = commands.add_parser("prune", help="erase chats and questions older than RETENTION_DAYS",
                                  description="erase chats and questions older than RETENTION_DAYS (or --days)")
    pruning.add_argument("--days", type=int, metavar="N", help="this many days instead of RETENTION_DAYS")
    return parser


def customer_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    prog = f"{PROG} {args.command}"
    try:
        settings = load_settings()
        subject = None if args.command == "prune" else Subject.of(email=args.email, conversation_id=args.conversation)
    except (SettingsError, InvalidSubject) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    try:
        check_reachable(settings.database_url)
        with TrackerStore(settings.tracker_store_url) as trackers:
            if subject is None:
                return _prune(prog, settings, trackers, args.days)
            return _export_or_erase(prog, settings, trackers, subject, args)
    except (DatabaseUnreachable, TrackerStoreUnavailable) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"{prog}: cannot use {safe_url(settings.database_url)}: {reason} "
              "(run `python -m bot migrate` to create the schema)", file=sys.stderr)
        return 1


def _export_or_erase(prog: str, settings: Settings, trackers: TrackerStore, subject: Subject,
                     args: argparse.Namespace) -> int:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            footprint = locate(session, trackers, subject)
            if not footprint.found:
                print(f"{prog}: nothing is held about {subject}: no ticket, conversation, KB question, rating "
                      "or Rasa tracker event has it", file=sys.stderr)
                return 1
            if args.command == "export":
                _print(json.dumps(export(session, trackers, footprint), ensure_ascii=False, indent=2))
                return 0
            erasure = erase(session, trackers, footprint, confirm=args.yes)
    finally:
        engine.dispose()
    found = f"{len(footprint.conversation_ids)} conversation(s), {len(footprint.ticket_ids)} ticket(s)"
    if not erasure.done:
        _print("\n".join([f"{subject}: {found}; nothing erased yet (add --yes to erase):", *erasure.lines()]))
        return 1
    _print("\n".join([f"erased {subject}: {found}", *erasure.lines()]))
    return 0


def _prune(prog: str, settings: Settings, trackers: TrackerStore, days: int | None) -> int:
    if days is not None and days < 1:
        print(f"{prog}: --days must be 1 or more, got {days}", file=sys.stderr)
        return 2
    days = days or settings.retention_days
    if days == 0:
        print(f"{prog}: retention is off (RETENTION_DAYS is 0: keep forever); nothing pruned. "
              "Set RETENTION_DAYS or pass --days N.")
        return 0
    engine = make_engine(settings.database_url)
    try:
        result = prune(make_session_factory(engine), trackers, days=days)
    finally:
        engine.dispose()
    _print("\n".join([f"pruned what is older than {days} days (before {result.cutoff.isoformat(timespec='seconds')}):",
                      *result.lines()]))
    return 0


def _print(text: str) -> None:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    print(text)
