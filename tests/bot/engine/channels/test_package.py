"""The connector package (``bot/engine/channels/``): Rasa finds every connector by the dotted path
that the rendered credentials name, and the pure parts import without rasa."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import bot.engine.channels as connectors
from bot.channel_credentials import render_credentials
from bot.engine.channels.trust import RASA_PAYLOAD
from bot.settings import PROJECT_ROOT
from tests.bot.channel_env import FULL_ENV, channel_settings
from tests.bot.engine.channels.harness import ENGINE_PYTHON

PACKAGE = Path(connectors.__file__).parent
PURE_MODULES = ["__init__.py", "payloads.py", "identity.py", "trust.py", "refusals.py"]


@pytest.fixture(scope="module")
def connector_paths(tmp_path_factory) -> list[str]:
    settings = channel_settings(tmp_path_factory.mktemp("settings"))
    credentials = render_credentials({**FULL_ENV, "SOCKETIO_REDIS_URL": "redis://localhost:6379/0"}, settings)
    return sorted(key for key in credentials if key.startswith("bot.engine.channels."))


def imported_modules(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules.append(node.module or "")
    return modules


def test_every_connector_the_credentials_can_name_is_named_by_the_package(connector_paths):
    assert len(connector_paths) == 7
    assert sorted(f"bot.engine.channels.{name}" for name in connectors.__all__) == connector_paths
    with pytest.raises(AttributeError):
        connectors.NoSuchInput  # noqa: B018


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_package_and_its_pure_modules_import_only_the_standard_library(module):
    pure_siblings = {f"bot.engine.channels.{name.removesuffix('.py')}" for name in PURE_MODULES}
    outside = [name for name in imported_modules(PACKAGE / module)
               if name.split(".")[0] not in sys.stdlib_module_names | {"__future__"} and name not in pure_siblings]
    assert outside == []


def test_the_connectors_import_nothing_from_bot_outside_the_engine_package_but_its_language_rules():
    """The engine image holds bot/engine/ and bot/language.py (deploy/docker/engine.Dockerfile): the guard
    answers a new conversation in the language the bot will use."""
    imports = {path.name: [name for name in imported_modules(path) if name.split(".")[0] == "bot"]
               for path in sorted(PACKAGE.glob("*.py"))}
    outside = {name: [m for m in modules if not m.startswith("bot.engine.") and m != "bot.language"]
               for name, modules in imports.items()}
    assert outside == {name: [] for name in imports}


LOAD_CONNECTORS = """
import json, sys
from rasa.core.channels.channel import InputChannel
from rasa.shared.utils.common import class_from_module_path
loaded = {}
for path in sys.argv[1:]:
    cls = class_from_module_path(path)
    loaded[path] = [cls.__module__, issubclass(cls, InputChannel), cls.name()]
print(json.dumps(loaded))
"""


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="the engine env (.venv-engine) is not installed")
def test_rasa_loads_every_connector_by_its_dotted_path(connector_paths):
    result = subprocess.run([str(ENGINE_PYTHON), "-c", LOAD_CONNECTORS, *connector_paths], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "bot.engine.channels.CallbackInput": ["bot.engine.channels.callback", True, "callback"],
        "bot.engine.channels.FacebookInput": ["bot.engine.channels.facebook", True, "facebook"],
        "bot.engine.channels.RestInput": ["bot.engine.channels.rest", True, "rest"],
        "bot.engine.channels.SlackInput": ["bot.engine.channels.slack", True, "slack"],
        "bot.engine.channels.SocketIOInput": ["bot.engine.channels.socketio", True, "socketio"],
        "bot.engine.channels.TelegramInput": ["bot.engine.channels.telegram", True, "telegram"],
        "bot.engine.channels.TwilioInput": ["bot.engine.channels.twilio", True, "twilio"],
    }


RASA_PAYLOAD_PATTERN = """
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
print(YAMLStoryReader._regex_message_pattern().pattern)
"""


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="the engine env (.venv-engine) is not installed")
def test_the_trust_boundary_reads_payloads_with_rasas_own_pattern():
    result = subprocess.run([str(ENGINE_PYTHON), "-c", RASA_PAYLOAD_PATTERN], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == RASA_PAYLOAD.pattern
