"""Rasa sends the domain only to the form validators (``enable_selective_domain`` in both endpoint files;
Rasa always sends it to actions named ``validate_*``), so no other action may read its ``domain``
argument: it would get an empty one. Checked in the source of every action."""
from __future__ import annotations

import ast

import pytest
import yaml

from bot.settings import PROJECT_ROOT

ENDPOINT_FILES = ("endpoints.yml", "endpoints.production.yml")


@pytest.mark.parametrize("name", ENDPOINT_FILES)
def test_the_action_endpoint_sends_the_domain_only_where_it_is_read(name):
    endpoints = yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["enable_selective_domain"] is True


def _reads_domain(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if "domain" not in {argument.arg for argument in function.args.args + function.args.kwonlyargs}:
        return False
    return any(isinstance(node, ast.Name) and node.id == "domain" and isinstance(node.ctx, ast.Load)
               for statement in function.body for node in ast.walk(statement))


def _classes_reading_the_domain() -> dict[str, list[str]]:
    """Each action class whose methods read their ``domain`` argument, with its base classes."""
    found = {}
    for path in sorted((PROJECT_ROOT / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _reads_domain(item)
                    for item in node.body):
                found[f"{path.name}:{node.name}"] = [ast.unparse(base) for base in node.bases]
    return found


def test_only_form_validators_read_the_domain():
    readers = _classes_reading_the_domain()
    assert {name: bases for name, bases in readers.items() if bases != ["FormValidationAction"]} == {}


def test_the_check_sees_an_action_that_reads_the_domain():
    source = "class Peek(Action):\n    async def run(self, dispatcher, tracker, domain):\n        return domain['slots']\n"
    [run] = ast.parse(source).body[0].body  # type: ignore[attr-defined]
    assert _reads_domain(run)
