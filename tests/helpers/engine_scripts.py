"""Running a scenario script with the engine env's Python (Rasa's own classes), from the app env's tests."""
from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping

import pytest

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"


def engine_script_result(script: str, env: Mapping[str, str] | None = None) -> dict:
    """Run ``script`` in the engine env (the project on its path) and parse the JSON its last line
    prints; skips the test without an engine env, fails it with the script's stderr."""
    if not ENGINE_PYTHON.exists():
        pytest.skip("needs the engine env (.venv-engine)")
    run = subprocess.run([str(ENGINE_PYTHON), "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         env={"PYTHONPATH": str(PROJECT_ROOT), **(env or {})}, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
