"""Commands of the top-level modules: ``python -m bot settings-doc`` (bot/settings.py).

Each feature package has its own ``cli.py`` (bot/stack/, bot/kb/, bot/helpdesk/, bot/ces/,
bot/benchmarks/); ``bot/__main__.py`` maps command names to them.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

from bot.settings import DOC_COMMAND, DOC_PATH, PROJECT_ROOT, configuration_markdown


def settings_doc_main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot settings-doc``: rewrite docs/configuration.md from the settings declarations."""
    if argv:
        print(f"usage: {DOC_COMMAND}  (takes no options)", file=sys.stderr)
        return 2
    DOC_PATH.write_text(configuration_markdown(), encoding="utf-8")
    print(f"wrote {DOC_PATH.relative_to(PROJECT_ROOT)}")
    return 0
