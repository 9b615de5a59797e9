"""Settings of an isolated stack for the stack tests: free ports, a temporary ``var/``."""
from pathlib import Path

from bot.stack.supervisor import free_port


def closed_port() -> int:
    """A port nothing listens on (freed right away)."""
    return free_port()


def local_env(tmp_path: Path, **overrides: str) -> dict:
    env = {
        "EFFORTLESS_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "HELPDESK_PORT": str(free_port()),
    }
    env.update(overrides)
    return env
