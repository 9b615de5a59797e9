"""The shipped NLU training examples (data/nlu/<language>/*.yml), for tests that check other parts against them."""
from __future__ import annotations

from collections.abc import Collection

import yaml

from bot.settings import PROJECT_ROOT


def nlu_examples(intents: Collection[str]) -> list[tuple[str, str]]:
    """Every example of these intents as ``(text, language)``, the language being its folder's name."""
    return [(text, language) for intent, text, language in all_examples() if intent in intents]


def all_examples() -> list[tuple[str, str, str]]:
    """Every training example as ``(intent, text, language)``."""
    examples = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" in item:
                examples += [(item["intent"], line[2:].strip(), path.parent.name)
                             for line in item["examples"].splitlines() if line.startswith("- ")]
    return examples
