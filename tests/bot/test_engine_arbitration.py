"""Arbitration between control intents and the knowledge base (bot/engine/arbitration.py, bot/engine/nlu.py).

The decision is checked against the project's own control vocabulary (data/nlu), with DIET confidences like
the ones the trained model gives; the Rasa component itself needs rasa, so it runs in the engine env.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.engine.arbitration import (
    ARBITRATED_INTENTS,
    EMAIL_WORD,
    KNOWN_WORD_INTENTS,
    OWN_VOCABULARY_INTENTS,
    Arbitration,
    control_vocabulary,
    intent_vocabularies,
    topic_words,
    unknown_to_intent,
    words,
)
from bot.settings import PROJECT_ROOT
from tests.helpers.nlu_data import nlu_examples

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"


def training_examples(intents) -> list[str]:
    return [text for text, _ in nlu_examples(intents)]


VOCABULARY = control_vocabulary(training_examples(set(ARBITRATED_INTENTS) - set(OWN_VOCABULARY_INTENTS)))
ARBITRATION = Arbitration()


@pytest.mark.parametrize("text, intent, confidence", [
    ("i sent the jacket back last week when do i see the money", "check_ticket_status", 0.57),
    ("chci zrušit předplatné", "cancel", 0.993),
    ("zrušit předplatné prosím", "cancel", 0.992),
    ("מה הסטטוס של ההחזר על הנעליים שהחזרתי", "check_ticket_status", 0.90),
    ("האם אתה בוט שיכול לעזור לי לשנות כתובת משלוח", "bot_challenge", 0.94),
    ("לא קיבלתי את הכסף על ההחזרה", "deny", 0.8),
    ("ما حالة استرداد المبلغ للحذاء الذي أعدته", "check_ticket_status", 0.80),
    ("إلغاء الطلب الذي قدمته أمس", "cancel", 0.63),
    ("لم أستلم المبلغ المسترد بعد", "deny", 0.7),
    ("no, my parcel never arrived", "deny", 0.9),
    ("i sent the jacket back last week when do i see the money", "check_ticket_status", 1.0),
])
def test_a_question_that_reads_as_a_control_intent_goes_to_the_knowledge_base(text, intent, confidence):
    assert ARBITRATION.reads_as_question(text, intent, confidence, VOCABULARY), topic_words(text, VOCABULARY)


@pytest.mark.parametrize("text, intent", [
    ("cancel", "cancel"), ("zrušit", "cancel"), ("zrusit", "cancel"), ("ביטול", "cancel"), ("إلغاء", "cancel"),
    ("cancel that please", "cancel"), ("ok cancel", "cancel"), ("never mind", "cancel"),
    ("don't want to continue", "cancel"), ("i changed my mind", "cancel"),
    ("no", "deny"), ("ne", "deny"), ("לא", "deny"), ("لا", "deny"), ("no thanks", "deny"), ("ne díky", "deny"),
    ("לא תודה", "deny"), ("لا شكرا", "deny"), ("no that's not it", "deny"),
    ("ticket status", "check_ticket_status"), ("status of T-1042 please", "check_ticket_status"),
    ("jaký je stav mého požadavku", "check_ticket_status"), ("ما حالة تذكرتي", "check_ticket_status"),
    ("stav požadavků pro jana.novakova@seznam.cz", "check_ticket_status"),
    ("ما حالة التذاكر الخاصة بـ sara.ali@gmail.com", "check_ticket_status"),
    ("are you a bot", "bot_challenge"), ("אתה בוט?", "bot_challenge"), ("jste člověk?", "bot_challenge"),
])
def test_short_control_messages_stay_controls(text, intent):
    assert not ARBITRATION.reads_as_question(text, intent, 0.9, VOCABULARY), topic_words(text, VOCABULARY)


def test_a_near_certain_prediction_is_kept():
    assert not ARBITRATION.reads_as_question("chci zrušit předplatné", "cancel", 0.9995, VOCABULARY)


@pytest.mark.parametrize("intent", ["request_human", "complain", "ask_question", "greet", "nlu_fallback"])
def test_intents_that_are_not_arbitrated_are_never_overruled(intent):
    """Asking for a person is honoured however the request is worded."""
    assert not ARBITRATION.reads_as_question("i want to talk to a person about my refund for the jacket", intent, 0.6,
                                             VOCABULARY)


def test_words_ignore_case_diacritics_punctuation_and_numbers():
    assert words("Zrušit  T-1042, PŘEDPLATNÉ!") == ["zrusit", "t", "predplatne"]
    assert words("stav požadavků pro Jana.Novakova@seznam.cz?") == ["stav", "pozadavku", "pro", EMAIL_WORD]
    assert words("") == []


def test_topic_words_are_the_words_no_control_example_uses():
    assert topic_words("chci zrušit předplatné", VOCABULARY) == ["chci", "predplatne"]


# --- the Rasa component, in the engine env --------------------------------------------------------

HARNESS = """
import json, sys, tempfile
from pathlib import Path
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.engine.nlu import ControlIntentArbiter

config = {**ControlIntentArbiter.get_default_config(), "intents": ["cancel"]}
storage, resource = LocalModelStorage(Path(tempfile.mkdtemp())), Resource("arbiter")
trained = ControlIntentArbiter.create(config, storage, resource, None)
trained.train(TrainingData([Message(data={"text": t, "intent": "cancel"}) for t in ("cancel", "cancel that")]))
loaded = ControlIntentArbiter.load(config, storage, resource, None)
out = []
for text, intent, confidence in json.loads(sys.argv[1]):
    prediction = {"name": intent, "confidence": confidence}
    message = Message(data={"text": text, "intent": prediction, "intent_ranking": [prediction]})
    loaded.process([message])
    out.append({"intent": message.get("intent"), "intent_ranking": message.get("intent_ranking")})
print(json.dumps(out))
"""


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="the engine env (.venv-engine) is not installed")
def test_the_rasa_component_learns_the_vocabularies_and_keeps_the_overruled_intent_in_the_ranking(tmp_path: Path):
    cases = [["chci zrušit předplatné", "cancel", 0.99], ["cancel that", "cancel", 0.9],
             ["cancel my subscription", "cancel", 0.999], ["where is my parcel today", "deny", 0.6],
             ["banana", "cancel", 0.97]]
    completed = subprocess.run([str(ENGINE_PYTHON), "-c", HARNESS, json.dumps(cases)], capture_output=True, text=True,
                               cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
                               timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    overruled, control, certain, not_arbitrated, unknown_word = json.loads(completed.stdout.strip().splitlines()[-1])

    assert overruled["intent"] == {"name": "nlu_fallback", "confidence": 0.99}
    assert [i["name"] for i in overruled["intent_ranking"]] == ["nlu_fallback", "cancel"]
    assert control["intent"]["name"] == "cancel"
    assert certain["intent"]["name"] == "cancel"
    assert not_arbitrated["intent"]["name"] == "deny"
    assert unknown_word["intent"] == {"name": "nlu_fallback", "confidence": 0.97}


INTENT_VOCABULARIES = intent_vocabularies(
    (intent, text) for intent in KNOWN_WORD_INTENTS for text in training_examples({intent})
)


@pytest.mark.parametrize("text, intent", [
    ("Dana Levi", "goodbye"), ("banana", "request_human"), ("Noa Cohen", "greet"),
    ("عمر", "cancel"), ("خالد العتيبي", "switch_language"), ("ليلى حداد", "request_human"),
    ("عبدالرحمن الشمري", "restart"), ("נועה כהן", "cancel"), ("Jiří Novák", "thank"),
    ("dana@example.com", "goodbye"),
])
def test_a_name_or_stray_word_is_not_an_intent_none_of_whose_examples_use_its_words(text, intent):
    assert unknown_to_intent(text, intent, INTENT_VOCABULARIES)


@pytest.mark.parametrize("text, intent", [
    ("thnks", "thank"), ("cancle", "cancel"), ("thank you!", "thank"), ("ok", "affirm"), ("שלום", "greet"),
    ("مرحبا", "greet"), ("dekuju", "thank"), ("English please", "switch_language"), ("עברית", "switch_language"),
    ("6", "rate_effort"), ("٦", "rate_effort"), ("👍", "affirm"), ('/affirm', "affirm"),
    ("i want to talk to a human right now please", "request_human"),
])
def test_a_message_with_a_word_of_the_intent_or_without_words_keeps_its_intent(text, intent):
    assert not unknown_to_intent(text, intent, INTENT_VOCABULARIES)


def test_questions_are_never_checked_for_known_words():
    assert not unknown_to_intent("banana", "ask_question", INTENT_VOCABULARIES)


LANGUAGE_REQUEST_WORDS = control_vocabulary(training_examples({"switch_language"}))


@pytest.mark.parametrize("text", ["how do i switch to yearly billing", "can i switch my card to a different one"])
def test_a_question_that_reads_as_a_language_request_goes_to_the_knowledge_base(text):
    assert ARBITRATION.reads_as_question(text, "switch_language", 0.91, LANGUAGE_REQUEST_WORDS)


@pytest.mark.parametrize("text", ["English please", "can we switch to english", "mluvte česky prosím", "אפשר באנגלית?",
                                  "ممكن بالانجليزي"])
def test_a_request_for_another_language_stays_one(text):
    assert not ARBITRATION.reads_as_question(text, "switch_language", 0.91, LANGUAGE_REQUEST_WORDS)


RESTART_WORDS = control_vocabulary(training_examples({"restart"}))


@pytest.mark.parametrize("text", ["رسالة إعادة التعيين لا تصل",  # the reset message does not arrive: 0.93 restart
                                  "how do i start a new subscription"])
def test_a_problem_that_reads_as_starting_over_goes_to_the_knowledge_base(text):
    assert ARBITRATION.reads_as_question(text, "restart", 0.93, RESTART_WORDS), topic_words(text, RESTART_WORDS)


@pytest.mark.parametrize("text", ["restart", "start over please", "ابدأ من جديد", "خلينا نبدأ من جديد", "מתחילים מחדש",
                                  "začít znovu"])
def test_a_request_to_start_over_stays_one(text):
    assert not ARBITRATION.reads_as_question(text, "restart", 0.93, RESTART_WORDS), topic_words(text, RESTART_WORDS)
