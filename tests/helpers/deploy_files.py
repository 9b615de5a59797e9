"""The reference deployment's files (deploy/), parsed without Docker: the compose file, the Dockerfiles and
deploy/.env.example. Used by tests/test_deploy.py (the files agree with the code) and
tests/e2e/test_deploy_layout.py (the images' files run as compose runs them)."""
from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILES = sorted((DEPLOY / "docker").glob("*.Dockerfile"))
OUR_IMAGES = ("effortless-app", "effortless-engine")


def load_compose(text: str) -> dict:
    return yaml.safe_load(text)  # the safe loader resolves the `<<: *settings` merges


def our_services(compose: Mapping[str, Any]) -> dict[str, dict]:
    """The services that run our images (third-party ones, postgres, redis, nginx, are configured by their own variables)."""
    return {name: service for name, service in compose["services"].items()
            if "build" in service or service.get("image") in OUR_IMAGES}


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {str(name): str(value) for name, value in environment.items()}


def env_file_variables(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions with their continuation lines joined; comment lines dropped, as Docker does."""
    instructions, pending = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not line.strip() and not pending):
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def exec_form(arguments: str) -> list[str]:
    """A CMD/ENTRYPOINT/HEALTHCHECK's JSON (exec) form, or its shell form split into words."""
    arguments = re.sub(r"^(--[\w-]+(=\S+)?\s+)*(CMD\s+)?", "", arguments)  # HEALTHCHECK's options and CMD
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def dockerfile_variables(instructions: Iterable[Instruction]) -> list[str]:
    names = []
    for instruction in instructions:
        if instruction.keyword == "ARG":
            names.append(instruction.arguments.split("=", 1)[0])
        elif instruction.keyword == "ENV":
            words = shlex.split(instruction.arguments)
            pairs = all("=" in word for word in words)
            names += [word.split("=", 1)[0] for word in words] if pairs else words[:1]  # ENV NAME value (old form)
    return names


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last_from = max(index for index, instruction in enumerate(instructions) if instruction.keyword == "FROM")
    return instructions[last_from:]


def last_form(instructions: Iterable[Instruction], keyword: str) -> list[str]:
    """The last CMD or ENTRYPOINT, which is the one Docker runs."""
    forms = [exec_form(i.arguments) for i in instructions if i.keyword == keyword]
    return forms[-1] if forms else []


def image_command(instructions: list[Instruction]) -> list[str]:
    return last_form(instructions, "ENTRYPOINT") + last_form(instructions, "CMD")


def copy_sources(instructions: Iterable[Instruction]) -> list[str]:
    """What COPY takes from the build context (not ``--from`` another stage)."""
    sources = []
    for instruction in instructions:
        if instruction.keyword not in ("COPY", "ADD"):
            continue
        words = shlex.split(instruction.arguments)
        if any(word.startswith("--from") for word in words):
            continue
        sources += [word for word in words if not word.startswith("--")][:-1]
    return sources


def dockerfile(path: Path) -> list[Instruction]:
    return dockerfile_instructions(path.read_text())


def compose() -> dict:
    return load_compose(COMPOSE.read_text())


def image_of(service: Mapping[str, Any]) -> list[Instruction]:
    """The Dockerfile instructions of an app or engine service's image."""
    return dockerfile(DEPLOY / "docker" / f"{service['image'].removeprefix('effortless-')}.Dockerfile")


def service_command(service: Mapping[str, Any]) -> list[str]:
    """What a service of ours runs: its image's ENTRYPOINT, then compose's ``command`` or else the image's CMD."""
    image = image_of(service)
    return last_form(image, "ENTRYPOINT") + (service.get("command") or last_form(image, "CMD"))


def option(command: list[str], *names: str) -> str | None:
    """The value of the last of ``names`` in ``command`` (the last wins, as in argparse; and `python -m` comes first)."""
    values = [command[index + 1] for index, word in enumerate(command[:-1]) if word in names]
    return values[-1] if values else None
