"""``python -m bot bench-routing``: where the knowledge base's own example questions are sent.

Every article lists questions customers ask (``questions:``); none of them is small talk or a control
message, so each should reach the knowledge base (or, for a complaint, a person). This reads all of them,
in the four languages, with the trained model as the running bot would (``bot.engine.parse_texts``: DIET,
the fallback and the arbiter of ``config.yml``) and counts, per language, where each goes:

- ``knowledge_base``: ``ask_question``, ``nlu_fallback``, ``out_of_scope`` (all answered by ``action_answer_question``),
  and ``withdraw_request``, whose action answers from the knowledge base when nothing is waiting;
- ``person``: ``complain`` and ``request_human`` (an escalation);
- ``fixed_reply``: every other intent, whose reply ignores the question (a greeting, "Anything else?",
  "I can't find a ticket", a fresh start). This is the figure to keep low.

It reads three sets of messages we wrote (``bot/benchmarks/complaints.yml``, never training data) the same way:
complaints that name a topic ("the refund took three weeks, unacceptable"), calm questions on the same topics,
and requests for a person that name a topic ("I need to speak to someone about my refund"). For these and
the KB's questions it counts the **outcome** a customer sees: ``person`` (read as a complaint or a request for a
person: the escalation starts), ``frustration_escalation`` (read as a question, but the KB action finds it
frustrated, ``bot.escalation.triggers``, and starts the escalation instead of answering; read as withdrawing a
request, it offers a person), ``request_escalation`` (the same, for a question that asks for a person
outright), ``article`` (the knowledge base answers, asks or abstains) or ``fixed_reply``. A complaint or a
request for a person should not end at an article, a calm question not at a person.

The questions are split by their position in their language's list into an even and an odd half, so a
change tuned on one half can be read on the other (docs/knowledge-base.md, "Questions that look like
control intents"). The training data never contains these questions. It loads the model once (about a
minute) and reads about 4,000 questions: a benchmark, not a test.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from bot.escalation.triggers import asks_for_a_person, is_frustrated
from bot.settings import PROJECT_ROOT
from bot.stack.supervisor import StackError, child_env, engine_bin

COMPLAINTS = Path(__file__).with_name("complaints.yml")
OUTCOMES = ("person", "frustration_escalation", "request_escalation", "article", "fixed_reply")
KB_INTENTS = frozenset({"ask_question", "nlu_fallback", "out_of_scope", "withdraw_request"})
PERSON_INTENTS = frozenset({"complain", "request_human"})
ROUTES = ("knowledge_base", "person", "fixed_reply")


def route(intent: str) -> str:
    """Where a message read as ``intent`` goes (see the module doc)."""
    if intent in KB_INTENTS:
        return "knowledge_base"
    return "person" if intent in PERSON_INTENTS else "fixed_reply"


def outcome(intent: str, text: str) -> str:
    """What the customer gets for ``text`` read as ``intent`` (see the module doc)."""
    where = route(intent)
    if where != "knowledge_base":
        return where
    if is_frustrated(text):
        return "frustration_escalation"
    return "request_escalation" if asks_for_a_person(text) else "article"


def count_outcomes(messages: Mapping[str, Sequence[str]], readings: Mapping[str, Sequence[Mapping[str, str]]]) -> dict:
    """Per language and in all: how many messages ended at each outcome. ``readings`` follow ``messages``."""
    by_language = {
        language: Counter(outcome(reading["intent"], text) for text, reading in zip(texts, readings[language], strict=True))
        for language, texts in messages.items()
    }
    total = sum(by_language.values(), Counter())
    return {"messages": sum(total.values()), **{name: total[name] for name in OUTCOMES},
            "languages": {language: {name: counts[name] for name in OUTCOMES} for language, counts in by_language.items()}}


def load_message_sets(path: Path) -> dict[str, dict[str, list[str]]]:
    """The named sets of ``path`` (``complaints``, ``calm_questions``, ``person_requests``), each per language."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict) or not all(isinstance(languages, dict) for languages in loaded.values()):
        raise ValueError(f"{path}: expected sets of messages per language (complaints: {{en: [...]}})")
    return {name: {language: [str(text) for text in texts] for language, texts in languages.items()}
            for name, languages in loaded.items()}


def summarize(questions: Mapping[str, Sequence[str]], readings: Mapping[str, Sequence[Mapping[str, str]]]) -> dict:
    """Per language and in all: how many questions each route took, the fixed-reply share per half, and
    the intents that gave fixed replies with an example question each. ``readings`` follow ``questions``."""
    report: dict[str, dict] = {}
    totals: Counter[str] = Counter()
    halves: dict[str, Counter[str]] = {"even": Counter(), "odd": Counter()}
    for language, texts in questions.items():
        routes: Counter[str] = Counter()
        fixed: dict[str, list[str]] = {}
        for position, (text, reading) in enumerate(zip(texts, readings[language], strict=True)):
            where = route(reading["intent"])
            routes[where] += 1
            half = halves["even" if position % 2 == 0 else "odd"]
            half["questions"] += 1
            half[where] += 1
            if where == "fixed_reply":
                fixed.setdefault(reading["intent"], []).append(text)
        totals.update(routes)
        report[language] = {
            "questions": len(texts), **{name: routes[name] for name in ROUTES},
            "fixed_reply_share": _share(routes["fixed_reply"], len(texts)),
            "fixed_replies": {intent: {"count": len(found), "for_example": found[:3]}
                              for intent, found in sorted(fixed.items(), key=lambda item: -len(item[1]))},
        }
    count = sum(len(texts) for texts in questions.values())
    return {
        "questions": count, **{name: totals[name] for name in ROUTES},
        "fixed_reply_share": _share(totals["fixed_reply"], count),
        "fixed_reply_share_by_half": {name: _share(half["fixed_reply"], half["questions"]) for name, half in halves.items()},
        "languages": report,
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def read_with_model(model: Path, texts: Sequence[str]) -> list[dict[str, str]]:
    """The model's readings of ``texts`` (engine env, one process); raises :class:`StackError` when it fails."""
    with tempfile.TemporaryDirectory(prefix="bench-routing-") as workdir:
        out = Path(workdir) / "readings.json"
        completed = subprocess.run(
            [str(engine_bin("python")), "-m", "bot.engine.parse_texts", str(model), str(out)],
            input=json.dumps(list(texts)), capture_output=True, text=True, cwd=PROJECT_ROOT,
            env=child_env({"PATH": "/usr/bin:/bin"}), check=False,
        )
        if completed.returncode != 0 or not out.exists():
            raise StackError(f"reading the questions with {model.name} failed:\n{completed.stderr[-3000:]}")
        readings = json.loads(out.read_text(encoding="utf-8"))
    if len(readings) != len(texts):
        raise StackError(f"{len(readings)} readings for {len(texts)} questions")
    return readings


def run_benchmark(model: Path | None, kb_dir: Path, message_sets: Path = COMPLAINTS) -> dict:
    """Read every example question of ``kb_dir`` and the sets of ``message_sets`` with ``model`` (default:
    trained for the current data), loaded once."""
    from bot.benchmarks.load import kb_questions
    from bot.stack.model import train_if_needed

    sets = {"kb_questions": kb_questions(kb_dir), **load_message_sets(message_sets)}
    model = model or train_if_needed()
    readings = iter(read_with_model(model, [text for texts in sets.values() for by_language in texts.values() for text in by_language]))
    read = {name: {language: [next(readings) for _ in texts] for language, texts in languages.items()}
            for name, languages in sets.items()}
    return {"model": model.name, **summarize(sets["kb_questions"], read["kb_questions"]),
            "outcomes": {name: count_outcomes(sets[name], read[name]) for name in sets}}

