"""Commands of the top-level modules: ``python -m bot settings-doc`` (bot/settings.py) and
``python -m bot credentials`` (bot/channel_credentials.py).

Each feature package has its own ``cli.py`` (bot/stack/, bot/kb/, bot/helpdesk/, bot/ces/,
bot/benchmarks/); ``bot/__main__.py`` maps command names to them.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import DOC_COMMAND, DOC_PATH, PROJECT_ROOT, SettingsError, configuration_markdown, load_settings

SHARED_CHANNEL_SECRETS = ("WEB_CHAT_SECRET", "HELPDESK_SERVICE_TOKEN")
"""Secrets the rendered credentials carry and other processes must share: a value generated here would differ."""


def settings_doc_main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot settings-doc``: rewrite docs/configuration.md from the settings declarations."""
    if argv:
        print(f"usage: {DOC_COMMAND}  (takes no options)", file=sys.stderr)
        return 2
    DOC_PATH.write_text(configuration_markdown(), encoding="utf-8")
    print(f"wrote {DOC_PATH.relative_to(PROJECT_ROOT)}")
    return 0


def credentials_main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot credentials --out PATH``: Rasa's ``credentials.yml`` from the environment, for a Rasa
    server started apart from ``make run`` (a container, a systemd unit), which cannot render it itself:
    the engine env has none of our settings code."""
    parser = argparse.ArgumentParser(prog="python -m bot credentials",
                                     description="Write Rasa's credentials.yml for the channels the environment configures.")
    parser.add_argument("--out", type=Path, required=True, help="the file to write (owner-only: it holds secrets)")
    args = parser.parse_args(argv)
    missing = [name for name in SHARED_CHANNEL_SECRETS if not os.environ.get(name, "").strip()]
    if missing:
        print(f"effortless: set {' and '.join(missing)}: Rasa shares them with the helpdesk, so they cannot be "
              "generated here", file=sys.stderr)
        return 1
    from bot.channel_credentials import enabled_channels, render_credentials, write_credentials
    from bot.stack.assembly import channel_env

    try:
        settings = load_settings()
        env = channel_env(settings, os.environ)
        channels = enabled_channels(render_credentials(env, settings))
        path = write_credentials(env, settings, args.out)
    except SettingsError as exc:  # a ChannelConfigError too: a half-configured channel
        print(f"effortless: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"effortless: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {path}: {', '.join(channels)}")
    return 0
