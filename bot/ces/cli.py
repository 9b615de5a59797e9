"""``python -m bot report [--since DATE] [--until DATE] [--format text|json|csv] [--gaps N]``."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.ces.periods import DEFAULT_DAYS, ReportRangeError, parse_report_range
from bot.ces.render import report_csv, report_text
from bot.ces.report import build_report

FORMATS = ("text", "json", "csv")


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit code 2."""
    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def report_main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot report [--since DATE] [--until DATE] [--format text|json|csv]``."""
    from bot.db import make_engine, make_session_factory, safe_url, session_scope
    from bot.settings import SettingsError, load_settings

    parser = _OneLineParser(
        prog="python -m bot report",
        description="CES, CSAT, NPS, FCR, containment, escalation, ticket-time, SLA and KB-gap report over UTC days "
                    f"(default: the last {DEFAULT_DAYS} days).",
    )
    parser.add_argument("--since", help="first day, YYYY-MM-DD (UTC)")
    parser.add_argument("--until", help="last day, YYYY-MM-DD (UTC), included; default today")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--gaps", type=int, default=10, metavar="N", help="KB-gap groups to list (default: 10)")
    args = parser.parse_args(argv)
    try:
        period = parse_report_range(args.since, args.until)
        settings = load_settings()
    except (ReportRangeError, SettingsError) as exc:
        parser.error(str(exc))
    if args.gaps < 1:
        parser.error(f"--gaps must be at least 1, got {args.gaps}")

    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            report = build_report(session, period.since, period.until,
                                  low_threshold=settings.ces_low_score_threshold, gap_limit=args.gaps,
                                  settings=settings)
    except (OperationalError, ProgrammingError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"report: cannot read {safe_url(settings.database_url)}: {reason} "
              "(run `python -m bot migrate` to create the schema)", file=sys.stderr)
        return 1
    finally:
        engine.dispose()

    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
    if args.format == "json":
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "csv":
        sys.stdout.write(report_csv(report))
    else:
        sys.stdout.write(report_text(report))
    return 0
