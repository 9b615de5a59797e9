"""Command line: ``python -m bot <command> ...``.

Each command lives in its feature's ``cli.py``; this module is only a table from command name to
``module:function``, imported lazily so that one command's dependencies never slow down or break
another.
"""
from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "run": ("bot.stack.cli:run_main", "start the whole stack (Rasa, action server, helpdesk) and print the URLs"),
    "train": ("bot.stack.cli:train_main", "train the Rasa model if data, domain or config changed"),
    "migrate": ("bot.stack.cli:migrate_main", "apply database migrations"),
    "action-server": ("bot.stack.cli:action_server_main", "run the Rasa action server (actions/)"),
    "create-agent": ("bot.helpdesk.cli:create_agent_main", "create an agent or admin account"),
    "update-agent": ("bot.helpdesk.cli:update_agent_main", "change an agent's account: the languages they speak"),
    "kb": ("bot.kb.cli:main", "knowledge base: check, reload"),
    "bench-kb": ("bot.kb.cli:bench_main", "benchmark KB search on a labelled CSV data set"),
    "report": ("bot.ces.cli:report_main", "CES, containment and KB-gap report"),
    "customer": ("bot.privacy.cli:customer_main", "a customer's personal data: export, erase; prune old data"),
    "bench-kb-size": ("bot.benchmarks.cli:kb_size_main", "benchmark the KB index build, reload and search as the KB grows"),
    "bench-stack": ("bot.benchmarks.cli:stack_main", "benchmark start-up, memory and reply latency"),
    "bench-helpdesk": ("bot.benchmarks.cli:helpdesk_main", "benchmark claim and reply latency"),
    "bench-nlu": ("bot.benchmarks.cli:nlu_main", "benchmark intent classification per language (cross-validation)"),
    "bench-routing": ("bot.benchmarks.cli:routing_main", "benchmark where the KB's own example questions are sent (KB, person, fixed reply)"),
    "bench-scale": ("bot.benchmarks.cli:scale_main", "benchmark the saturated rate through nginx with 1, 2, ... replicas"),
    "bench-load": ("bot.benchmarks.cli:load_main", "load test in Locust: conversations over socket.io and REST, or static vs KB"),
    "settings-doc": ("bot.cli:settings_doc_main", "write docs/configuration.md from the settings declarations"),
    "credentials": ("bot.cli:credentials_main", "write Rasa's credentials.yml from the environment (containers)"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m bot <command> [options]", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {help_text}" for name, (_, help_text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name, function_name = COMMANDS[name][0].split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    return int(function(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
