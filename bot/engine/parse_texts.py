"""Read many messages with a trained model's NLU, as the running bot would (arbiter included), in one process.

``python -m bot.engine.parse_texts MODEL READINGS.json < texts.json`` (engine env; Rasa prints to stdout, so
the readings go to a file): the input is a JSON list of texts, the output a JSON list of ``{"intent", "confidence", "picked"}`` in the same order, where ``picked``
is the intent DIET chose before the pipeline's fallback and arbitration (``nlu_fallback`` keeps it second
in the ranking). Used by ``python -m bot bench-routing``; a running Rasa's ``/model/parse`` gives the same
readings one HTTP request at a time.
"""
from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from bot.engine import model_loading


async def read_all(model_path: str, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    readings = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent, ranking = parsed["intent"], parsed.get("intent_ranking") or []
        overruled = intent["name"] == "nlu_fallback" and len(ranking) > 1
        readings.append({"intent": intent["name"], "confidence": round(float(intent["confidence"]), 4),
                         "picked": ranking[1]["name"] if overruled else intent["name"]})
    return readings


def main() -> None:
    model_loading.keep_jax_out()
    model_loading.install()
    model, out = sys.argv[1:3]
    readings = asyncio.run(read_all(model, json.load(sys.stdin)))
    with open(out, "w", encoding="utf-8") as file:
        json.dump(readings, file, ensure_ascii=False)


if __name__ == "__main__":
    main()
