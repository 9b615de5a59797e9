"""The benchmarks' command line: ``python -m bot bench-stack``, ``bench-helpdesk``, ``bench-nlu``, ``bench-routing``,
``bench-kb-size``, ``bench-scale`` and ``bench-load``.

Each prints one JSON object; what the figures mean is in the docstring of
:mod:`bot.benchmarks.stack`, :mod:`bot.benchmarks.helpdesk`, :mod:`bot.benchmarks.nlu`, :mod:`bot.benchmarks.routing`,
:mod:`bot.benchmarks.kb_size`, :mod:`bot.benchmarks.scale` and :mod:`bot.benchmarks.load` (and in docs/benchmarks.md, docs/load-testing.md).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT


def stack_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-stack [--messages N] [--action-calls N] [--handoff-rounds N] [--cold] [--train] [--conversations N
    [--clients N]] [--json OUT]``."""
    from bot.benchmarks import stack

    parser = argparse.ArgumentParser(prog="python -m bot bench-stack", description=stack.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--action-calls", type=int, default=300,
                        help="replays of Rasa's request for the KB action, for each of two questions")
    parser.add_argument("--handoff-rounds", type=int, default=20)
    parser.add_argument("--cold", action="store_true", help="also time `make run` in a fresh clone (installs everything)")
    parser.add_argument("--train", action="store_true", help="also time a full `rasa train`")
    parser.add_argument("--conversations", type=int, default=0,
                        help="only measure the whole stack's memory around this many conversations")
    parser.add_argument("--clients", type=int, default=4, help="customers talking at once for --conversations")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if min(args.messages, args.action_calls, args.handoff_rounds, args.clients) < 1 or args.conversations < 0:
        parser.error("--messages, --action-calls, --handoff-rounds and --clients must be at least 1, "
                     "--conversations at least 0")
    results = stack.run_benchmark(args.messages, args.handoff_rounds, cold=args.cold, train=args.train,
                                  conversations=args.conversations, clients=args.clients, action_calls=args.action_calls)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


def helpdesk_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-helpdesk [--database-url URL] [--agents N] [--tickets N] [--workers N] [--think MIN-MAX]
    [--history N]``;
    exits 1 when a request failed, a ticket was claimed twice or the queue was not emptied."""
    from bot.benchmarks import helpdesk

    parser = argparse.ArgumentParser(prog="python -m bot bench-helpdesk", description=helpdesk.__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="helpdesk processes (uvicorn --workers)")
    parser.add_argument("--think", type=_think_range, metavar="MIN-MAX",
                        help="seconds each agent waits before every action, e.g. 2-6 (default: none)")
    parser.add_argument("--history", type=int, default=0,
                        help="closed tickets of the past year added first, e.g. 100000 (default: none)")
    args = parser.parse_args(argv)
    if min(args.agents, args.tickets, args.workers) < 1:
        parser.error("--agents, --tickets and --workers must be at least 1")
    if args.history < 0:
        parser.error("--history must be 0 or more")
    try:
        report = helpdesk.run_benchmark(args.database_url, args.agents, args.tickets, args.workers, args.think,
                                        args.history)
    except ValueError as exc:
        print(f"bench-helpdesk: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    healthy = (report["errors"] == 0 and report["claimed_twice"] == 0 and report["claims"] == args.tickets
               and report["undelivered"] == 0)
    return 0 if healthy else 1


def _think_range(value: str) -> tuple[float, float]:
    """``2-6`` -> (2.0, 6.0); argparse turns the ValueError into a usage message."""
    low, separator, high = value.partition("-")
    try:
        think = (float(low), float(high if separator else low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not MIN-MAX in seconds, e.g. 2-6") from None
    if not 0 <= think[0] <= think[1]:
        raise argparse.ArgumentTypeError(f"{value!r}: need 0 <= MIN <= MAX")
    return think


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


def routing_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-routing [--model PATH] [--kb DIR] [--messages FILE]``: where the KB's own example
    questions, and the complaints and calm questions of FILE, are sent."""
    from bot.benchmarks import routing
    from bot.stack.supervisor import StackError

    parser = argparse.ArgumentParser(prog="python -m bot bench-routing", description=routing.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a trained model (default: the one for the current data, trained if needed)")
    parser.add_argument("--kb", type=Path, default=PROJECT_ROOT / "data" / "kb", help="the articles (default: data/kb)")
    parser.add_argument("--messages", type=Path, default=routing.COMPLAINTS,
                        help="sets of messages per language, read as well (default: bot/benchmarks/complaints.yml)")
    args = parser.parse_args(argv)
    if args.model is not None and not args.model.is_file():
        parser.error(f"--model {args.model}: no such file")
    if not args.messages.is_file():
        parser.error(f"--messages {args.messages}: no such file")
    try:
        report = routing.run_benchmark(args.model, args.kb, args.messages)
    except (StackError, ValueError) as exc:
        print(f"bench-routing: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def kb_size_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-kb-size [--copies 1,4] [--language en] [--kb DIR] [--embedding-model NAME]``: the
    index build, its reload, a search and the build's memory as the KB grows."""
    from bot.benchmarks import kb_size
    from bot.language import SUPPORTED_LANGUAGES

    parser = argparse.ArgumentParser(prog="python -m bot bench-kb-size", description=kb_size.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=_counts, default=[1, 4],
                        help="sizes to measure, as copies of each article, comma-separated (default: 1,4)")
    parser.add_argument("--language", choices=SUPPORTED_LANGUAGES, default="en",
                        help="the language whose articles are copied (default: en)")
    parser.add_argument("--kb", type=Path, default=PROJECT_ROOT / "data" / "kb", help="the articles (default: data/kb)")
    parser.add_argument("--embedding-model", help="as KB_EMBEDDING_MODEL; `none` = the lexical engine (default: the setting)")
    args = parser.parse_args(argv)
    if not args.kb.is_dir():
        parser.error(f"--kb {args.kb}: no such directory")
    try:
        report = kb_size.run_benchmark(args.kb, args.language, args.copies, args.embedding_model)
    except ValueError as exc:
        print(f"bench-kb-size: {exc}", file=sys.stderr)
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


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number or a comma-separated list of them") from None
    if min(counts) < 1:
        raise argparse.ArgumentTypeError("every count must be at least 1")
    return counts


def _think_time(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not MIN,MAX in seconds (e.g. 2,5)") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError("the think time needs 0 <= MIN <= MAX")
    return low, high


def load_main(argv: list[str] | None = None) -> int:
    """``python -m bot bench-load --users N --spawn-rate R --minutes M [--mode conversations|static-vs-kb]``;
    exits 1 when any step failed (so "0 errors" is checkable), 2 when the load test could not run."""
    from bot.benchmarks import load
    from bot.stack.supervisor import StackError

    parser = argparse.ArgumentParser(prog="python -m bot bench-load", description=load.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=_counts, default=[10],
                        help="customers; static-vs-kb also takes a list (1,30): both phases at each count")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--minutes", type=float, default=1.0, help="how long each Locust run lasts")
    parser.add_argument("--rounds", type=int, default=1,
                        help="static-vs-kb: both phases this many times, alternating; each ratio is the rounds' median")
    parser.add_argument("--mode", choices=load.MODES, default=load.CONVERSATIONS)
    parser.add_argument("--rasa-url", help="an existing deployment's Rasa (or its load balancer); default: start a stack")
    parser.add_argument("--helpdesk-url", help="the same deployment's helpdesk")
    parser.add_argument("--agent-email", help="with --rasa-url: the agent account the agent bots log in with "
                                              "(its password in LOAD_AGENT_PASSWORD)")
    parser.add_argument("--rest-token", help="with --rasa-url: the REST channel's token, if it has one")
    parser.add_argument("--think-time", type=_think_time, default=(2.0, 5.0), metavar="MIN,MAX",
                        help="seconds between a customer's messages in the conversations mode (default 2,5)")
    parser.add_argument("--agent-think-time", type=_think_time, default=(2.0, 6.0), metavar="MIN,MAX",
                        help="seconds between an agent bot's actions: claim, reply, resolve (default 2,6)")
    parser.add_argument("--escalation-share", type=float, default=0.25,
                        help="share of web-chat conversations that ask for a person (default 0.25)")
    parser.add_argument("--out", type=Path, help="where Locust's CSV and HTML reports go (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.spawn_rate <= 0 or args.minutes <= 0:
        parser.error("--spawn-rate and --minutes must be more than 0")
    if not 0 <= args.escalation_share <= 1:
        parser.error("--escalation-share must be between 0 and 1")
    if bool(args.rasa_url) != bool(args.helpdesk_url):
        parser.error("give both --rasa-url and --helpdesk-url, or neither (then a stack is started)")
    if args.mode == load.CONVERSATIONS and len(args.users) != 1:
        parser.error("the conversations mode takes one --users count")
    if args.rounds < 1 or (args.rounds > 1 and args.mode != load.STATIC_VS_KB):
        parser.error("--rounds must be at least 1, and more than 1 only with --mode static-vs-kb")
    options: dict[str, object] = {"think_time_s": args.think_time, "agent_think_time_s": args.agent_think_time,
                                  "escalation_share": args.escalation_share}
    if args.rest_token:
        options["rest_token"] = args.rest_token
    if args.rasa_url and args.mode == load.CONVERSATIONS:
        password = os.environ.get("LOAD_AGENT_PASSWORD", "")
        if not (args.agent_email and password):
            parser.error("the conversations mode against --rasa-url needs --agent-email and LOAD_AGENT_PASSWORD")
        options.update(agent_email=args.agent_email, agent_password=password)
    seconds = max(1, round(args.minutes * 60))
    try:
        if args.rasa_url:
            summary = load.run_load(args.rasa_url, args.helpdesk_url, args.users, args.spawn_rate, seconds, args.mode,
                                    args.out, args.rounds, **options)
        else:
            summary = load.run_bench(args.users, args.spawn_rate, seconds, args.mode, args.out, args.rounds, **options)
    except (load.LoadTestError, StackError, ValueError) as exc:
        print(f"bench-load: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    return 1 if summary.errors else 0
