"""The configurable rules of the helpdesk, parsed once from settings when a process starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.helpdesk.hours import BusinessHours
from bot.settings import Settings

REASONS = ("customer_request", "kb_missed_twice", "frustration", "sensitive_topic", "low_effort_score", "fallback")
# Queue order: a lower rank is served first.
PRIORITY_RANKS: Mapping[str, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


class PolicyError(ValueError):
    """A helpdesk setting cannot be used; the message names it and says what to write."""


def parse_priority_rules(spec: str) -> dict[str, str]:
    """``"frustration=high,sensitive_topic=high"`` → ``{"frustration": "high", ...}``, checked."""
    rules: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        reason, _, priority = (x.strip().lower() for x in item.partition("="))
        if reason not in REASONS:
            raise PolicyError(f"PRIORITY_RULES: unknown reason {reason!r}; reasons are {', '.join(REASONS)}")
        if priority not in PRIORITY_RANKS:
            raise PolicyError(
                f"PRIORITY_RULES: {item!r} needs a priority out of {', '.join(PRIORITY_RANKS)} (e.g. frustration=high)"
            )
        rules[reason] = priority
    return rules


@dataclass(frozen=True)
class HelpdeskPolicy:
    business_hours: BusinessHours
    priority_rules: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> HelpdeskPolicy:
        return cls(
            business_hours=BusinessHours.parse(settings.business_hours, settings.business_timezone),
            priority_rules=parse_priority_rules(settings.priority_rules),
        )

    def priority_for(self, reason: str, requested: str | None) -> str:
        """An explicitly requested priority wins; else the rule for the reason; else normal."""
        return requested or self.priority_rules.get(reason, "normal")
