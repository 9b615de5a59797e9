"""The benchmarks' command line: ``python -m bot bench-stack``, ``bench-helpdesk``, ``bench-nlu`` and ``bench-scale``.

Each prints one JSON object; what the figures mean is in the docstring of
:mod:`bot.benchmarks.stack`, :mod:`bot.benchmarks.helpdesk`, :mod:`bot.benchmarks.nlu` and
:mod:`bot.benchmarks.scale` (and in docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def stack_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-stack [--messages N] [--handoff-rounds N] [--cold] [--train] [--json OUT]``."""
    from bot.benchmarks import stack

    parser = argparse.ArgumentParser(prog="python -m bot bench-stack", description=stack.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--handoff-rounds", type=int, default=20)
    parser.add_argument("--cold", action="store_true", help="also time `make run` in a fresh clone (installs everything)")
    parser.add_argument("--train", action="store_true", help="also time a full `rasa train`")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.handoff_rounds < 1:
        parser.error("--messages and --handoff-rounds must be at least 1")
    results = stack.run_benchmark(args.messages, args.handoff_rounds, cold=args.cold, train=args.train)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


def helpdesk_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-helpdesk [--database-url URL] [--agents N] [--tickets N] [--workers N]``;
    exits 1 when a request failed, a ticket was claimed twice or the queue was not emptied."""
    from bot.benchmarks import helpdesk

    parser = argparse.ArgumentParser(prog="python -m bot bench-helpdesk", description=helpdesk.__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="helpdesk processes (uvicorn --workers)")
    args = parser.parse_args(argv)
    if min(args.agents, args.tickets, args.workers) < 1:
        parser.error("--agents, --tickets and --workers must be at least 1")
    try:
        report = helpdesk.run_benchmark(args.database_url, args.agents, args.tickets, args.workers)
    except ValueError as exc:
        print(f"bench-helpdesk: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    healthy = report["errors"] == 0 and report["claimed_twice"] == 0 and report["claims"] == args.tickets
    return 0 if healthy else 1


def nlu_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-nlu [--folds N] [--out DIR]``: intent accuracy per language by cross-validation."""
    from bot.benchmarks import nlu
    from bot.stack.supervisor import StackError

    parser = argparse.ArgumentParser(prog="python -m bot bench-nlu", description=nlu.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, help="where Rasa writes its reports (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    try:
        report = nlu.run_benchmark(args.folds, args.out)
    except StackError as exc:
        print(f"bench-nlu: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def scale_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-scale [--replicas 1,2] [--minutes M] [--clients N] [--json OUT]``: the saturated
    rate through nginx with each replica count; exits 1 when a message failed."""
    from bot.benchmarks import scale
    from bot.stack.supervisor import StackError

    parser = argparse.ArgumentParser(prog="python -m bot bench-scale", description=scale.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", default="1,2", help="replica counts to measure, in order (default: 1,2)")
    parser.add_argument("--minutes", type=float, default=2.0, help="measured minutes per replica count (after a warm-up)")
    parser.add_argument("--clients", type=int, default=20, help="closed-loop REST clients (no think time)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        counts = [int(part) for part in args.replicas.split(",")]
    except ValueError:
        parser.error(f"--replicas takes whole numbers separated by commas, e.g. 1,2 (got {args.replicas!r})")
    if min(counts) < 1 or args.minutes <= 0 or args.clients < 1:
        parser.error("--replicas counts and --clients must be at least 1, --minutes above 0")
    try:
        report = scale.run_benchmark(counts, args.minutes, args.clients)
    except (StackError, ValueError) as exc:
        print(f"bench-scale: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if all(run["errors"] == 0 for run in report["runs"]) else 1
