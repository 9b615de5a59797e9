"""bot/engine/model_loading.py in the engine env: the trained model loaded without Rasa's training step
reads every shipped NLU example exactly as Rasa's own load does, and holds no training machinery."""
from __future__ import annotations

import json
import subprocess

import pytest

from bot.settings import PROJECT_ROOT
from bot.stack.model import train_if_needed

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"

PARSE_EVERY_EXAMPLE = r"""
import asyncio, json, sys
from bot.engine import model_loading
lean = sys.argv[2] == "lean"
if lean:
    model_loading.keep_jax_out()
    model_loading.install()
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data

agent = Agent.load(sys.argv[1])
texts = sorted({example.get("text") for example in load_data("data/nlu").training_examples})

async def parse_all():
    readings = []
    for text in texts:
        parsed = await agent.parse_message(text)
        readings.append([text, parsed["intent"]["name"],
                         [[i["name"], i["confidence"]] for i in parsed["intent_ranking"]]])
    return readings

diet = next(node._component.model for name, node in agent.processor.graph_runner._instantiated_nodes.items()
            if "DIETClassifier" in name)
print(json.dumps({
    "readings": asyncio.run(parse_all()),
    "jax_loaded": sys.modules.get("jax") is not None,
    "training_traced": diet.train_function is not None,
    "optimizer_slots": len(diet.optimizer.variables()) if diet.optimizer is not None else 0,
}))
"""


def _load_and_parse(model, how: str) -> dict:
    result = subprocess.run(
        [str(ENGINE_PYTHON), "-c", PARSE_EVERY_EXAMPLE, str(model), how], cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_the_lean_load_reads_every_nlu_example_exactly_as_rasas_own_load():
    model = train_if_needed()
    rasa_load, lean_load = _load_and_parse(model, "rasa"), _load_and_parse(model, "lean")

    assert len(lean_load["readings"]) > 1000  # every language's examples
    assert lean_load["readings"] == rasa_load["readings"]  # intents and every confidence, to the last bit
    # Rasa's load trains one step to build the model: its traced training step and Adam's slots stay.
    assert rasa_load["training_traced"] and rasa_load["optimizer_slots"] > 0 and rasa_load["jax_loaded"]
    assert not lean_load["training_traced"] and lean_load["optimizer_slots"] <= 1 and not lean_load["jax_loaded"]
