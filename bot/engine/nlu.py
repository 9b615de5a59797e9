"""ControlIntentArbiter: a question that DIET mistakes for an intent with a fixed reply goes to the knowledge
base, a short message that shares no word with the intent DIET picked (a name, a stray word) is not that
intent, a guide button's words typed ("next", "כל השלבים") are that button (bot.engine.typed_buttons), and a
message that is only a ticket reference ("T-1007", "#t-1007", "ticket T-1007", "פנייה T-1007") asks for that
ticket's status (:func:`reference_only`; DIET read "T-1007" as out of scope), and a message that only says who
the customer is ("please call me Jim", "קוראים לי נועה") introduces them, with the name as the ``customer_name``
entity (``bot.engine.introductions``; DIET read "please call me Jim" as a request for a person).

Placed after DIETClassifier and FallbackClassifier in config.yml. It learns each intent's words from the
training examples (from which ``bot.engine.arbitration`` derives the words so many intents use that they are
no topic), and when it says a message reads
as a question it predicts ``nlu_fallback``, which the rules send to ``action_answer_question`` (the same
path as any message DIET is unsure about). Like Rasa's FallbackClassifier it puts ``nlu_fallback`` in front
of the intent ranking, so the overruled intent stays visible there for debugging.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from bot.engine.arbitration import (
    ARBITRATED_INTENTS,
    EMAIL_WORD,
    IRREVERSIBLE_INTENTS,
    MIN_TOPIC_WORDS,
    OKAY_WORDS,
    OWN_WORD_INTENTS,
    PERSON_WORD_INTENTS,
    YES_WORDS,
    Arbitration,
    asks_for_help_only,
    demands_a_person,
    intent_vocabularies,
    known_words,
    only_says_yes,
    own_words,
    unknown_to_intent,
    words,
)
from bot.engine.feedback_words import says_it_did_not_help, says_it_helped_plainly, says_something_does_not_work
from bot.engine.introductions import CUSTOMER_NAME, INTRODUCE_SELF, introduced_name, opens_with_a_greeting
from bot.engine.reactions import reaction_intent, says_nothing
from bot.engine.typed_buttons import typed_button_intent

logger = logging.getLogger(__name__)
INTENT_VOCABULARIES_FILE = "intent_vocabularies.json"
CHECK_TICKET_STATUS = "check_ticket_status"
REQUEST_HUMAN = "request_human"
ASK_QUESTION = "ask_question"
AFFIRM = "affirm"
DENY = "deny"
WITHDRAW_REQUEST = "withdraw_request"
"""Read by DIET for "التطبيق ما يشتغل الحين" (the app does not work now) and "האפליקציה לא עובדת עכשיו" as for
"it works now" at 1.0: in the escalation form that dropped the escalation, so a message saying something does
not work is a question instead (:func:`bot.engine.feedback_words.says_something_does_not_work`)."""
# "Still not working" is a no, which the KB's action and the yes/no action both read so; DIET also read it as
# withdrawing the request ("Glad it's sorted!"), cancelling, out of scope, or a complaint (a ticket at once:
# the KB's action still takes an angry one to a person).
READINGS_OF_NOT_HELPED = frozenset({ASK_QUESTION, DENY})
TICKET_REFERENCE = re.compile(r"\bT-?(\d{1,9})\b", re.IGNORECASE)
"""``bot.escalation.details.TICKET_REFERENCE``, which the status action reads the reference with, mirrored: the
engine imports nothing of bot/ beyond bot/engine/ and bot/language.py (the engine image holds nothing else).
tests/bot/test_engine_arbitration.py checks that the two stay the same."""
REFERENCE_WORDS = frozenset({
    "ticket", "my", "the", "is", "number", "nr", "num", "ref", "reference", "request", "case", "id", "status", "of",
    "please", "pls",
    "פנייה", "פניה", "הפנייה", "הפניה", "פנייתי", "מספר", "כרטיס", "קריאה", "בקשה", "הבקשה", "סטטוס", "של",
    "שלי", "בבקשה",
    "تذكرة", "التذكرة", "تذكره", "التذكره", "تذكرتي", "رقم", "طلب", "الطلب", "طلبي", "مرجع", "المرجع", "حالة",
    "حاله", "من", "فضلك", "لو", "سمحت",
    "pozadavek", "pozadavku", "muj", "moje", "cislo", "tiket", "stav", "prosim",
})
"""Words that may stand next to a lone ticket reference and only say what it is ("ticket T-1007", "my ticket
number T-1007", "פנייה T-1007", "رقم التذكرة T-1007", "požadavek T-1007"), folded as
:func:`bot.engine.arbitration.words` folds them (case and diacritics aside)."""


def reference_only(text: str | None) -> bool:
    """Whether the message is one ticket reference, alone or with :data:`REFERENCE_WORDS` and punctuation: a
    status question for that ticket. Another number, an e-mail address or any other word makes it something
    else, which DIET reads as usual."""
    text = text or ""
    if len(TICKET_REFERENCE.findall(text)) != 1:
        return False
    rest = TICKET_REFERENCE.sub(" ", text)
    return not any(ch.isdigit() for ch in rest) and all(word in REFERENCE_WORDS for word in words(rest))


def only_an_email_address(text: str | None) -> bool:
    """Whether the message is one e-mail address and nothing else: the answer to "Which e-mail address…?", never
    an intent. The training data has no address, so DIET reads its letters: "erase-aeded6f5@example.com" was
    withdraw_request at 0.99, and the escalation form cancelled the request the customer was giving it for."""
    return words(text or "") == [EMAIL_WORD]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ControlIntentArbiter(GraphComponent, IntentClassifier):
    """Overrules an intent with a fixed reply with ``nlu_fallback`` when the message reads as a KB question,
    any intent with a guide button's when the message is that button's words (bot.engine.typed_buttons), and
    any intent with ``check_ticket_status`` when the message is only a ticket reference, ``introduce_self`` when it
    only says who the customer is, ``request_human`` when it only names a person ("ČLOVĚK!!!"), and ``ask_question``
    when it asks for help without saying with what ("I have a problem")."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intents": list(ARBITRATED_INTENTS), "min_topic_words": MIN_TOPIC_WORDS,
                "own_word_intents": list(OWN_WORD_INTENTS), "irreversible_intents": list(IRREVERSIBLE_INTENTS),
                "person_word_intents": list(PERSON_WORD_INTENTS)}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabularies: dict[str, frozenset[str]] | None = None) -> None:
        self._arbitration = Arbitration(frozenset(config["intents"]), int(config["min_topic_words"]),
                                        frozenset(config["own_word_intents"]), frozenset(config["irreversible_intents"]),
                                        frozenset(config["person_word_intents"]))
        self._model_storage = model_storage
        self._resource = resource
        self._use(vocabularies or {})

    def _use(self, vocabularies: dict[str, frozenset[str]]) -> None:
        """Every intent's words, and what follows from them: the words that are no topic per arbitrated intent,
        and the words only its own examples use per ``own_word_intents`` intent."""
        self._intent_vocabularies = vocabularies
        self._known = known_words(vocabularies, self._arbitration.intents)
        self._own = own_words(vocabularies, self._arbitration.own_word_intents)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ControlIntentArbiter:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        # Every intent's words, questions included: a word many intents use is no topic (arbitration.common_words).
        self._use(intent_vocabularies(
            (example.get(INTENT), example.get(TEXT)) for example in training_data.intent_examples
        ))
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / INTENT_VOCABULARIES_FILE,
                                     {intent: sorted(words) for intent, words in self._intent_vocabularies.items()})
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> ControlIntentArbiter:
        with model_storage.read_from(resource) as directory:
            by_intent = {intent: frozenset(words) for intent, words in read_json_file(directory / INTENT_VOCABULARIES_FILE).items()}
        return cls(config, model_storage, resource, by_intent)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name, confidence = intent.get(INTENT_NAME_KEY), intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
            text = message.get(TEXT) or ""
            if name is None:
                continue
            button = typed_button_intent(text)
            if button is not None:
                logger.debug("'%s' (%.3f) overruled: the message is a guide button's words", name, confidence)
                _overrule(message, button, 1.0)
                continue
            if only_an_email_address(text):
                if name != DEFAULT_NLU_FALLBACK_INTENT_NAME:
                    logger.debug("'%s' (%.3f) overruled: the message is an e-mail address", name, confidence)
                    _overrule(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, confidence)
                continue
            if reference_only(text):
                logger.debug("'%s' (%.3f) overruled: the message is a ticket reference", name, confidence)
                _overrule(message, CHECK_TICKET_STATUS, 1.0)
                continue
            if says_nothing(text):
                # DIET reads every message without a word as a no; a reaction is a yes or a no, the rest says nothing.
                reaction = reaction_intent(text)
                if name != (reaction or DEFAULT_NLU_FALLBACK_INTENT_NAME):
                    logger.debug("'%s' (%.3f) overruled: the message has no word", name, confidence)
                    _overrule(message, reaction or DEFAULT_NLU_FALLBACK_INTENT_NAME, 1.0 if reaction else confidence)
                continue
            introduced = introduced_name(text)
            if introduced is not None:
                logger.debug("'%s' (%.3f) overruled: the message says who the customer is", name, confidence)
                _overrule(message, INTRODUCE_SELF, 1.0)
                _set_customer_name(message, *introduced)
                continue
            if name != REQUEST_HUMAN and demands_a_person(text):
                logger.debug("'%s' (%.3f) overruled: the message only names a person", name, confidence)
                _overrule(message, REQUEST_HUMAN, 1.0)
                continue
            if asks_for_help_only(text) and not _right_for_a_bare_request_for_help(name, text):
                logger.debug("'%s' (%.3f) overruled: the message asks for help without saying with what", name, confidence)
                _overrule(message, ASK_QUESTION, 1.0)
                continue
            if says_it_did_not_help(text) and name not in READINGS_OF_NOT_HELPED:
                logger.debug("'%s' (%.3f) overruled: the message only says the answer did not work", name, confidence)
                _overrule(message, ASK_QUESTION, 1.0)
                continue
            if name == WITHDRAW_REQUEST and says_something_does_not_work(text):
                logger.debug("'%s' (%.3f) overruled: the message says something does not work", name, confidence)
                _overrule(message, ASK_QUESTION, 1.0)
                continue
            if name != AFFIRM and (only_says_yes(text) or (name == DENY and says_it_helped_plainly(text))):
                logger.debug("'%s' (%.3f) overruled: the message is a yes", name, confidence)
                _overrule(message, AFFIRM, 1.0)
                continue
            if self._arbitration.reads_as_question(text, name, self._known, self._own):
                logger.debug("'%s' (%.3f) overruled: the message reads as a question for the knowledge base", name, confidence)
            elif unknown_to_intent(text, name, self._intent_vocabularies):
                logger.debug("'%s' (%.3f) overruled: the message shares no word with its examples", name, confidence)
            else:
                continue
            _overrule(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, confidence)
        return messages


def _right_for_a_bare_request_for_help(intent: str, text: str) -> bool:
    """Whether DIET's reading of a request for help that says nothing of what about already leads to the right
    reply: the knowledge base's action (which asks what it is about), a greeting that is one ("hi, I need help":
    the welcome asks what it is about) or a yes that is one ("yes, one more question", to "Anything else?"). Not
    a greeting or a yes without the word (DIET read "עזרה בבקשה" as a greeting, "עזרו לי", help me, as a yes), nor
    a request for a person ("I need help", "ممكن تساعدني", can you help me): outside hours that opened a ticket
    saying nothing, and inside a form the form asks its question again."""
    if intent == ASK_QUESTION:
        return True
    if intent == "greet":
        return opens_with_a_greeting(text)
    return intent == AFFIRM and any(word in YES_WORDS or word in OKAY_WORDS for word in words(text))


def _overrule(message: Message, intent: str, confidence: float) -> None:
    """Make ``intent`` the message's intent, keeping the one it replaces in the ranking below it (and ``intent``
    only once: DIET may have ranked it already)."""
    chosen = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: confidence}
    ranking = [ranked for ranked in message.get(INTENT_RANKING_KEY) or [] if ranked.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT, chosen, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(chosen), *ranking], add_to_output=True)


def _set_customer_name(message: Message, name: str, start: int, end: int) -> None:
    """The introduced name as the ``customer_name`` entity (the slot's mapping keeps it), replacing what DIET
    extracted from a message that only says who the customer is."""
    entity = {ENTITY_ATTRIBUTE_TYPE: CUSTOMER_NAME, ENTITY_ATTRIBUTE_VALUE: name, ENTITY_ATTRIBUTE_START: start,
              ENTITY_ATTRIBUTE_END: end, EXTRACTOR: ControlIntentArbiter.__name__}
    message.set(ENTITIES, [entity], add_to_output=True)
