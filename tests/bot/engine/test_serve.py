"""The Rasa launcher takes the API token from RASA_TOKEN or RASA_TOKEN_FILE, never from its command
line. Its helpers are standard-library code, tested here directly; the launcher itself runs in the
engine env (the whole stack starts Rasa through it: tests/e2e/test_process_faults.py)."""
import json
import subprocess

import pytest

from bot.engine.serve import LaunchError, rasa_argv, read_token
from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"


def test_the_environment_token_wins(tmp_path):
    token_file = tmp_path / "rasa_token"
    token_file.write_text("from-the-file")

    assert read_token({"RASA_TOKEN": " from-the-env ", "RASA_TOKEN_FILE": str(token_file)}) == "from-the-env"


def test_the_token_file_is_read_when_the_variable_is_unset(tmp_path):
    token_file = tmp_path / "rasa_token"
    token_file.write_text("from-the-file\n")

    assert read_token({"RASA_TOKEN": "", "RASA_TOKEN_FILE": str(token_file)}) == "from-the-file"


@pytest.mark.parametrize("case, message", [
    ("neither", "set RASA_TOKEN, or RASA_TOKEN_FILE to a file holding the token"),
    ("missing file", "cannot be read: No such file or directory"),
    ("empty file", "is empty"),
])
def test_no_usable_token_is_a_clear_refusal(tmp_path, case, message):
    token_file = tmp_path / "rasa_token"
    if case == "empty file":
        token_file.write_text("\n")
    env = {} if case == "neither" else {"RASA_TOKEN_FILE": str(token_file)}

    with pytest.raises(LaunchError, match=message):
        read_token(env)


def test_the_token_is_added_to_rasa_run_inside_the_process():
    assert rasa_argv(["--enable-api", "-p", "5005"], "t0ken") == ["rasa", "run", "--enable-api", "-p", "5005",
                                                                 "--auth-token=t0ken"]


def test_a_token_that_starts_with_a_dash_reaches_rasa_as_the_tokens_value():
    """Rasa's own argument parser, in the engine env (a generated token may begin with "-")."""
    parse = ("import argparse, json, sys\n"
             "from rasa.cli.arguments.run import add_server_arguments\n"
             "parser = argparse.ArgumentParser(); add_server_arguments(parser)\n"
             "print(parser.parse_args(json.loads(sys.argv[1])).auth_token)")
    argv = rasa_argv(["--enable-api"], "-Xy_9")[2:]
    engine_python = PROJECT_ROOT / ".venv-engine" / "bin" / "python"
    parsed = subprocess.run([str(engine_python), "-c", parse, json.dumps(argv)], capture_output=True, text=True, check=True)
    assert parsed.stdout.strip() == "-Xy_9"


@pytest.mark.parametrize("options", [["--auth-token", "leaked"], ["--auth-token=leaked"]])
def test_a_token_on_the_command_line_is_refused(options):
    with pytest.raises(LaunchError, match="does not belong on the command line"):
        rasa_argv(["--enable-api", *options], "t0ken")


def test_the_launcher_refuses_to_start_without_a_token_in_one_line(tmp_path):
    result = subprocess.run([str(ENGINE_PYTHON), "-m", "bot.engine.serve", "--enable-api"], cwd=PROJECT_ROOT,
                            env={"PYTHONPATH": str(PROJECT_ROOT), "HOME": str(tmp_path)}, capture_output=True,
                            text=True, timeout=60)

    assert result.returncode == 2
    assert result.stderr.splitlines() == ["bot.engine.serve: set RASA_TOKEN, or RASA_TOKEN_FILE to a file holding the token"]
