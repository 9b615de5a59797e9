"""The reference deployment runs, short of Docker (no engine on the test machine): the files each image
holds, copied as its Dockerfile's COPY lines copy them, run the commands deploy/compose.yaml gives with
the environment it and the Dockerfile set, on loopback instead of the compose network. The one-off
jobs migrate PostgreSQL and write Rasa's credentials; Rasa (engine image files, its own venv) serves a
conversation that reaches the action server (app image files) and is kept in PostgreSQL under Redis
locks; the helpdesk's help centre searches through the action server.

What this leaves to Docker: the base image, the package installs, the build-stage training (the
model here is ``python -m bot train``'s, trained on the same inputs) and the compose network.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy

from bot.settings import PROJECT_ROOT
from bot.stack.model import train_if_needed
from bot.stack.supervisor import engine_bin, free_port
from tests.helpers.deploy_files import (
    DEPLOY,
    Instruction,
    compose,
    dockerfile,
    dockerfile_instructions,
    service_command,
    service_environment,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

DOT_ENV = {  # what an operator puts in deploy/.env
    **{name: uuid.uuid4().hex for name in ("POSTGRES_PASSWORD", "RASA_TOKEN", "HELPDESK_SERVICE_TOKEN",
                                           "ACTION_SERVER_TOKEN", "SESSION_SECRET", "WEB_CHAT_SECRET")},
    "PUBLIC_RASA_URL": "http://localhost", "PUBLIC_HELPDESK_URL": "http://localhost",
}
REST_TOKEN = uuid.uuid4().hex
START_TIMEOUT_S = 1200  # the action server fits the KB indexes before it is healthy: 15 min at a load of 27 on 2 cores


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}``."""
    def one(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == ":?":
            raise AssertionError(f"compose needs {name}: {rest}")
        return rest or ""
    return re.sub(r"\$\{(\w+)(?:(:[?-])([^}]*))?\}", one, value)


def image_environment(instructions: list[Instruction]) -> dict[str, str]:
    environment: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            environment.update(word.split("=", 1) for word in shlex.split(instruction.arguments))
    return environment


def copy_image_files(instructions: list[Instruction], workdir: Path) -> None:
    """Copy what the COPY lines take from the repository to ``workdir`` (the image's /app), as Docker does:
    a folder's contents into the destination, a file into a destination folder (a trailing ``/``)."""
    for instruction in instructions:
        words = shlex.split(instruction.arguments)
        if instruction.keyword != "COPY" or any(word.startswith("--") for word in words):
            continue
        *sources, destination = words
        target = workdir / destination
        for source in sources:
            path = PROJECT_ROOT / source
            if path.is_dir():
                shutil.copytree(path, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
                continue
            if destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


@dataclass
class Loopback:
    """Where compose's service names point here."""

    ports: dict[str, int]
    postgres_url: str
    redis_url: str
    root: Path

    def value(self, service: str, name: str, value: str) -> str:
        redis = urlsplit(self.redis_url)
        fixed = {"LOCK_REDIS_HOST": "127.0.0.1", "LOCK_REDIS_PORT": str(redis.port), "ACTION_HOST": "127.0.0.1",
                 "ACTION_PORT": str(self.ports["actions"]), "HELPDESK_PORT": str(self.ports["helpdesk"]),
                 "PYTHONPATH": str(self.root / self.image(service))}
        if name in fixed:
            return fixed[name]
        if value.startswith("postgresql://"):
            return self.postgres_url
        value = re.sub(r"//redis:\d+", f"//127.0.0.1:{redis.port}", value)
        for other, port in self.ports.items():
            value = re.sub(rf"//{other}:\d+", f"//127.0.0.1:{port}", value)
        return self.paths(service, value)

    def paths(self, service: str, value: str) -> str:
        """Container paths into this service's own folders (a volume is a folder of the test)."""
        return (value.replace("/run/effortless", str(self.root / "rasa-config"))
                .replace("/var/lib/effortless/kb-index", str(self.root.parent / "kb-index-cache"))
                .replace("/var/lib/effortless", str(self.root / service / "var")))

    @staticmethod
    def image(service: str) -> str:
        return compose()["services"][service]["image"].removeprefix("effortless-")

    def command(self, service: str, command: list[str]) -> list[str]:
        python = str(engine_bin("python")) if self.image(service) == "engine" else str(PROJECT_ROOT / ".venv" / "bin" / "python")
        words = [python if word == "python" else self.paths(service, word) for word in command]
        for option, value in (("-i", "127.0.0.1"), ("--host", "127.0.0.1"), ("-p", None), ("--port", None)):
            if option in words:
                words[words.index(option) + 1] = value or str(self.ports[service])
        return words

    def environment(self, service: str, extra: Mapping[str, str] = ()) -> dict[str, str]:
        image = dockerfile(DEPLOY / "docker" / f"{self.image(service)}.Dockerfile")
        variables = {**image_environment(image), **service_environment(compose()["services"][service]), **dict(extra)}
        return {"PATH": os.environ["PATH"], "HOME": str(self.root / service), "TZ": "UTC",
                **{name: self.value(service, name, interpolate(value, DOT_ENV)) for name, value in variables.items()}}

    def run(self, service: str, extra: Mapping[str, str] = ()) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(service), cwd=self.root / self.image(service), env=self.environment(service, extra),
                              capture_output=True, text=True, timeout=300)

    def start(self, service: str) -> subprocess.Popen:
        log = (self.root / f"{service}.log").open("w")
        return subprocess.Popen(self.argv(service), cwd=self.root / self.image(service), env=self.environment(service),
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def argv(self, service: str) -> list[str]:
        return self.command(service, service_command(compose()["services"][service]))


def wait_until(ready, what: str, processes: Mapping[str, subprocess.Popen], root: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}: {(root / f'{name}.log').read_text()[-2000:]}")
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(2)
    raise AssertionError(f"{what} not ready within {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_url, redis_url) -> Iterator[Loopback]:
    root = tmp_path_factory.mktemp("deploy")
    for image in ("app", "engine"):
        copy_image_files(dockerfile(DEPLOY / "docker" / f"{image}.Dockerfile"), root / image)
    # The engine image trains in a build stage on the inputs `python -m bot train` reads: the same model.
    (root / "engine" / "models").mkdir()
    shutil.copy2(train_if_needed(), root / "engine" / "models" / "effortless.tar.gz")
    loopback = Loopback({"rasa": free_port(), "actions": free_port(), "helpdesk": free_port()}, postgres_url, redis_url, root)

    migrate = loopback.run("migrate")
    assert migrate.returncode == 0, migrate.stderr
    # The KB index, built once into the volume the action servers share, before they start.
    kb_index = loopback.run("kb-index")
    assert kb_index.returncode == 0, kb_index.stderr
    assert "KB indexed: " in kb_index.stdout
    # A channel is switched on by adding its variables to the credentials job (docs/deployment.md#containers).
    credentials = loopback.run("credentials", {"REST_CHANNEL_TOKEN": REST_TOKEN})
    assert credentials.returncode == 0, credentials.stderr
    assert "rest (token required)" in credentials.stdout

    with ExitStack() as stack:
        processes = {name: loopback.start(name) for name in ("actions", "helpdesk", "rasa")}
        for process in processes.values():
            stack.callback(_stop, process)
        ports = loopback.ports
        wait_until(lambda: requests.get(f"http://127.0.0.1:{ports['actions']}/health", timeout=5).ok, "actions", processes, root)
        wait_until(lambda: requests.get(f"http://127.0.0.1:{ports['helpdesk']}/health", timeout=5).ok, "helpdesk", processes, root)
        wait_until(lambda: bool(requests.get(f"http://127.0.0.1:{ports['rasa']}/status", timeout=5,
                                             params={"token": DOT_ENV["RASA_TOKEN"]}).json().get("model_file")),
                   "rasa", processes, root)
        yield loopback


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_question_reaches_the_action_server_and_is_kept_in_postgresql(deployment):
    rasa = f"http://127.0.0.1:{deployment.ports['rasa']}"
    sender = f"rest:deploy-{uuid.uuid4().hex[:8]}"  # the REST channel keeps conversations under rest:<sender>

    replies = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": "where is my order"},
                            headers={"Authorization": f"Bearer {REST_TOKEN}"}, timeout=120).json()

    assert any(reply.get("text") for reply in replies), replies
    tracker = requests.get(f"{rasa}/conversations/{sender}/tracker", params={"token": DOT_ENV["RASA_TOKEN"]}, timeout=30).json()
    actions = [event["name"] for event in tracker["events"] if event["event"] == "action"]
    assert "action_answer_question" in actions  # ACTION_ENDPOINT_URL and ACTION_SERVER_TOKEN as compose sets them
    with sqlalchemy.create_engine(deployment.postgres_url).connect() as connection:
        stored = connection.execute(sqlalchemy.text("SELECT count(*) FROM events WHERE sender_id = :sender"), {"sender": sender})
        assert stored.scalar_one() > 0  # TRACKER_STORE_URL: Rasa's tables beside ours in the one database


def test_the_help_centre_searches_through_the_action_server(deployment):
    helpdesk = f"http://127.0.0.1:{deployment.ports['helpdesk']}"

    page = requests.get(f"{helpdesk}/help/en/search", params={"q": "where is my order"}, timeout=60)

    assert page.status_code == 200, page.text[-500:]  # 503 when ACTION_SERVER_URL or its token were wrong
    assert "track" in page.text.lower()


def test_the_layout_copier_copies_as_docker_does(tmp_path):
    instructions = dockerfile_instructions("FROM x\nCOPY bot/__init__.py bot/language.py bot/\nCOPY config.yml ./\n"
                                           "COPY data/kb/ data/kb/\nCOPY --from=train /app/models/x models/\n")

    copy_image_files(instructions, tmp_path)

    assert (tmp_path / "bot" / "language.py").is_file() and (tmp_path / "config.yml").is_file()
    assert sorted(p.name for p in (tmp_path / "data" / "kb").iterdir()) == sorted(p.name for p in (PROJECT_ROOT / "data" / "kb").iterdir())
    assert not (tmp_path / "bot" / "engine").exists() and not (tmp_path / "models").exists()
