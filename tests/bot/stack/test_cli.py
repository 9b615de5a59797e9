"""``python -m bot run`` as the operator sees it: the banner, one line for every reason it cannot start."""
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT, load_settings
from bot.stack.cli import banner
from tests.bot.stack.stack_env import local_env


def test_the_banner_lists_every_url(tmp_path):
    settings = load_settings(local_env(tmp_path, RASA_PORT="6005", ACTION_PORT="6055", HELPDESK_PORT="9000",
                                       PUBLIC_HELPDESK_URL="https://help.example.com"))

    text = banner(settings)

    for url in ("https://help.example.com/demo", "https://help.example.com/agent",
                "https://help.example.com/agent/reports", "https://help.example.com/docs",
                "https://help.example.com/openapi.json", "http://127.0.0.1:6005",
                "http://127.0.0.1:6005/webhooks/rest/webhook", "http://127.0.0.1:6055"):
        assert url in text
    assert str(settings.log_dir) in text
    assert "Ctrl-C" in text


# --- the command line ------------------------------------------------------------------------


def run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    child_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=child_env,
                          capture_output=True, text=True, timeout=60)


def test_run_with_a_taken_port_exits_1_with_one_line(tmp_path, listening_port):
    result = run_bot(tmp_path, "run", **local_env(tmp_path, HELPDESK_PORT=str(listening_port)))

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("effortless:")
    assert f"port {listening_port} (HELPDESK_PORT) is already in use" in lines[0]


def test_run_with_a_bad_setting_exits_2_with_one_line(tmp_path):
    result = run_bot(tmp_path, "run", **local_env(tmp_path, CES_ASK_AFTER="sometimes"))

    assert result.returncode == 2
    assert result.stderr.splitlines() == ["effortless: CES_ASK_AFTER must be bot, agent, both or never, got 'sometimes'"]


def test_an_unknown_command_exits_2_and_shows_the_commands(tmp_path):
    result = run_bot(tmp_path, "fly-to-the-moon")

    assert result.returncode == 2
    assert "unknown command 'fly-to-the-moon'" in result.stderr
    assert "run" in result.stderr and "migrate" in result.stderr
    assert result.stdout == ""
