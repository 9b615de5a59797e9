"""An action server alone, started as ``make run`` starts it (bot.stack.assembly), for tests that need only it."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bot.logging_setup import Redactor
from bot.settings import load_settings
from bot.stack.assembly import services
from bot.stack.supervisor import Service, Supervisor


@contextmanager
def running_action_server(env: Mapping[str, str], token: str, ready_timeout_s: float) -> Iterator[Service]:
    """The ``actions`` service of the stack ``env`` configures, healthy, stopped on exit; ``token`` is
    masked in its logs."""
    settings = load_settings(dict(env))
    actions = next(s for s in services(settings, Path("unused-model.tar.gz"), env) if s.name == "actions")
    supervisor = Supervisor(settings.log_dir, Redactor([token]), console=None)
    try:
        supervisor.start(actions)
        supervisor.wait_ready(ready_timeout_s)
        yield actions
    finally:
        supervisor.stop()
