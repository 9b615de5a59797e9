"""Start-up of the whole stack: when to retrain, and one clear line for every reason it cannot start."""
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, load_settings
from bot.stack import (
    StackError,
    banner,
    check_ports,
    engine_endpoint_env,
    free_port,
    model_path_for,
    port_in_use,
    prepare,
    training_fingerprint,
)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The files training reads, plus part of the KB, copied so the test can change them."""
    root = tmp_path / "project"
    for name in ("config.yml", "domain.yml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, root / name)
    for folder in ("data/nlu", "data/rules", "data/kb/en"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    (root / "data" / "stories").mkdir()
    return root


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port some other program is using."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


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


# --- the training fingerprint ----------------------------------------------------------------


def test_fingerprint_is_stable_for_unchanged_inputs(project_copy):
    first = training_fingerprint(project_copy)
    assert training_fingerprint(project_copy) == first
    assert len(first) == 16 and int(first, 16) >= 0


def test_changing_nlu_data_changes_the_fingerprint(project_copy):
    before = training_fingerprint(project_copy)
    nlu_file = next((project_copy / "data" / "nlu").glob("*.yml"))
    nlu_file.write_text(nlu_file.read_text() + "\n# one more comment\n")

    assert training_fingerprint(project_copy) != before


@pytest.mark.parametrize("change", ["new rule file", "domain", "config", "renamed file"])
def test_every_training_input_counts(project_copy, change):
    before = training_fingerprint(project_copy)
    if change == "new rule file":
        (project_copy / "data" / "rules" / "extra.yml").write_text('version: "3.1"\nrules: []\n')
    elif change == "domain":
        (project_copy / "domain.yml").write_text((project_copy / "domain.yml").read_text() + "\n")
    elif change == "config":
        (project_copy / "config.yml").write_text((project_copy / "config.yml").read_text() + "\n")
    else:
        nlu_file = next((project_copy / "data" / "nlu").glob("*.yml"))
        nlu_file.rename(nlu_file.with_name("zz_" + nlu_file.name))

    assert training_fingerprint(project_copy) != before


def test_editing_the_knowledge_base_does_not_retrain(project_copy):
    before = training_fingerprint(project_copy)
    article = next((project_copy / "data" / "kb" / "en").glob("*.md"))
    article.write_text(article.read_text() + "\nA new paragraph for customers.\n")
    (project_copy / "data" / "kb" / "en" / "brand-new.md").write_text("---\nid: brand-new\n---\nNew.\n")

    assert training_fingerprint(project_copy) == before


def test_a_fresh_clone_without_the_empty_stories_folder_still_has_a_fingerprint(project_copy):
    with_empty_folder = training_fingerprint(project_copy)
    (project_copy / "data" / "stories").rmdir()  # git does not keep empty folders

    assert training_fingerprint(project_copy) == with_empty_folder


def test_the_model_file_is_named_after_the_fingerprint(tmp_path):
    assert model_path_for("0123456789abcdef", tmp_path) == tmp_path / "effortless-0123456789abcdef.tar.gz"


# --- ports -----------------------------------------------------------------------------------


def test_port_in_use_tells_a_taken_port_from_a_free_one(listening_port):
    assert port_in_use("127.0.0.1", listening_port)
    assert not port_in_use("127.0.0.1", closed_port())


@pytest.mark.parametrize("variable", ["RASA_PORT", "ACTION_PORT", "HELPDESK_PORT"])
def test_a_taken_port_is_one_line_naming_the_variable(tmp_path, listening_port, variable):
    settings = load_settings(local_env(tmp_path, **{variable: str(listening_port)}))

    with pytest.raises(StackError) as error:
        check_ports(settings)

    message = str(error.value)
    assert "\n" not in message
    assert f"port {listening_port} ({variable}) is already in use" in message
    assert f"set {variable} to a free port" in message


def test_free_ports_pass_the_check(tmp_path):
    check_ports(load_settings(local_env(tmp_path)))


def test_prepare_checks_ports_before_touching_the_database(tmp_path, listening_port):
    var = tmp_path / "var"
    settings = load_settings(local_env(tmp_path, HELPDESK_PORT=str(listening_port)))

    with pytest.raises(StackError, match="HELPDESK_PORT"):
        prepare(settings, {})
    assert not (var / "effortless.db").exists()


# --- an unreachable database --------------------------------------------------------------------


def test_an_unreachable_database_stops_start_up_with_one_line(tmp_path):
    port = closed_port()
    url = f"postgresql://effortless:db-password-1@127.0.0.1:{port}/effortless"
    settings = load_settings(local_env(tmp_path, DATABASE_URL=url))

    with pytest.raises(StackError) as error:
        prepare(settings, {})

    message = str(error.value)
    assert "\n" not in message
    assert "unreachable" in message
    assert f"127.0.0.1:{port}" in message
    assert "db-password-1" not in message  # the password is masked


def test_an_unusable_sqlite_path_stops_start_up_with_one_line(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    settings = load_settings(local_env(tmp_path, DATABASE_URL=f"sqlite:///{blocker}/effortless.db"))

    with pytest.raises(StackError) as error:
        prepare(settings, {})

    message = str(error.value)
    assert "\n" not in message
    assert str(blocker) in message


# --- what the operator sees ----------------------------------------------------------------


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


def test_the_production_profile_passes_the_redis_lock_store_to_rasa(tmp_path):
    settings = load_settings(local_env(tmp_path, EFFORTLESS_PROFILE="production",
                                       LOCK_STORE_URL="redis://:lock-pass@cache.internal:6380/4"))

    env = engine_endpoint_env(settings)

    assert env["ACTION_ENDPOINT_URL"] == settings.action_server_url
    assert env["TRACKER_STORE_URL"] == settings.tracker_store_url
    assert (env["LOCK_REDIS_HOST"], env["LOCK_REDIS_PORT"], env["LOCK_REDIS_PASSWORD"], env["LOCK_REDIS_DB"]) == (
        "cache.internal", "6380", "lock-pass", "4")


def test_the_local_profile_needs_no_redis(tmp_path):
    env = engine_endpoint_env(load_settings(local_env(tmp_path)))
    assert not any(name.startswith("LOCK_REDIS") for name in env)


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
