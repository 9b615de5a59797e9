"""``python -m bot.engine.serve <rasa run options>``: ``rasa run`` with its API token kept off the
command line.

``rasa run --auth-token T`` would put the token in ``/proc/<pid>/cmdline``, which ``ps`` shows to
every user of the machine. This launcher (engine env) reads the token from ``RASA_TOKEN``, or from
the file ``RASA_TOKEN_FILE`` names (a Docker/Kubernetes secret, systemd's ``LoadCredential``), adds
it to the options inside this process and runs Rasa's own command line here, so the process's
command line holds only the options it was given. Before Rasa starts, it installs
:mod:`bot.engine.action_results` (action-server responses checked by a schema compiled once),
:mod:`bot.engine.action_calls` (a customer's turn waits for a restarting action server),
:mod:`bot.engine.kept_alive` (action calls over kept-alive connections),
:mod:`bot.engine.model_loading` (the NLU model loaded without Rasa's one training step),
:mod:`bot.engine.shown_lines` (a retried helpdesk line the chat already shows is not shown again) and
:mod:`bot.engine.tracker_writes` (a turn's events stored in one statement, SQLite in WAL mode).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

TOKEN_OPTION = "--auth-token"


class LaunchError(Exception):
    """The launcher cannot start Rasa; the message says what to set."""


def read_token(env: Mapping[str, str]) -> str:
    """Rasa's API token: ``RASA_TOKEN``, else the contents of the file ``RASA_TOKEN_FILE`` names."""
    token = env.get("RASA_TOKEN", "").strip()
    if token:
        return token
    token_file = env.get("RASA_TOKEN_FILE", "").strip()
    if not token_file:
        raise LaunchError("set RASA_TOKEN, or RASA_TOKEN_FILE to a file holding the token")
    try:
        token = Path(token_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise LaunchError(f"RASA_TOKEN_FILE {token_file} cannot be read: {exc.strerror}") from None
    if not token:
        raise LaunchError(f"RASA_TOKEN_FILE {token_file} is empty")
    return token


def rasa_argv(options: Sequence[str], token: str) -> list[str]:
    """The arguments for Rasa's command line: ``rasa run`` with ``options`` and the token.

    ``--auth-token=T`` in one argument: a generated token may start with ``-``, which argparse would
    take for an option after a separate ``--auth-token``."""
    if any(option == TOKEN_OPTION or option.startswith(f"{TOKEN_OPTION}=") for option in options):
        raise LaunchError(f"{TOKEN_OPTION} does not belong on the command line: pass the token in RASA_TOKEN "
                          "or RASA_TOKEN_FILE")
    return ["rasa", "run", *options, f"{TOKEN_OPTION}={token}"]


def main(options: Sequence[str]) -> int:
    try:
        argv = rasa_argv(options, read_token(os.environ))
    except LaunchError as exc:
        print(f"bot.engine.serve: {exc}", file=sys.stderr)
        return 2
    os.environ.pop("RASA_TOKEN", None)  # nothing Rasa starts needs it
    from bot.engine import model_loading

    model_loading.keep_jax_out()  # before Rasa imports TensorFlow
    from rasa.__main__ import main as rasa_main

    from bot.engine import action_calls, action_results, kept_alive, shown_lines, tracker_writes

    action_results.install()
    action_calls.install()
    kept_alive.install()
    model_loading.install()
    shown_lines.install()
    tracker_writes.install()
    # Rasa's command line reads sys.argv; changing this list leaves the process's own command line as it was.
    sys.argv = argv
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
