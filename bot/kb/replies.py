"""What the customer hears when the knowledge base does not answer outright, and when that is a miss.

Three honest messages (their wording is in domain.yml, in all four languages):

- the question is not for this support (``out_of_domain``) or about another company's product
  (``other_company``): say so; not a miss, because no article is missing;
- the question is for this support but no article answers it (``not_covered``): "I don't have an article
  about that yet" with a button to a person; a miss;
- unsure (clarify): "Did you mean …?" with up to three titles and "None of these", which is a miss too,
  as is a typed "no" to it.

A miss asks the customer to put it another way; the second miss in a row offers a person. A request for help
that says nothing of what about ("help", "I have a problem") is looked up nowhere: the bot asks what it is about
(:data:`ASK_WHAT_ABOUT`), and a second one right after offers a person.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.engine.last_response import last_bot_response
from bot.kb.search import Candidate

MISSES_BEFORE_OFFERING_A_PERSON = 2
OFFER_A_PERSON = "utter_offer_human"
# No code can be sent (no e-mail configured): the tickets of this chat only, and a person offered instead.
CANNOT_VERIFY_OFFER_A_PERSON = "utter_cannot_verify_email"
# Every line that offers a person, to which a yes (or "help me") starts the escalation.
OFFERS_OF_A_PERSON = frozenset({OFFER_A_PERSON, "utter_offer_human_instead", "utter_low_effort_followup",
                                CANNOT_VERIFY_OFFER_A_PERSON})
# The offers of a one-time code to prove an e-mail address ("Shall I?"): to the address the customer typed,
# or to one the bot will ask for.
OFFER_A_CODE_TO_THE_ADDRESS = "utter_offer_email_verification"
OFFER_A_CODE_TO_AN_ADDRESS = "utter_offer_address_verification"
OFFERS_OF_A_CODE = frozenset({OFFER_A_CODE_TO_THE_ADDRESS, OFFER_A_CODE_TO_AN_ADDRESS})
# The offers a yes or a no answers; a message without a word answers neither, so they stay open.
YES_NO_OFFERS = OFFERS_OF_A_PERSON | OFFERS_OF_A_CODE
DID_YOU_MEAN = "utter_kb_did_you_mean"
REPHRASE = "utter_kb_rephrase"
ASK_WHAT_ABOUT = "utter_kb_ask_what_about"
# The bot's lines that end "Is there anything else I can help with?": a yes or no after them answers that,
# not an earlier "Did that help?".
ANYTHING_ELSE = frozenset({"utter_anything_else", "utter_withdraw_nothing_pending", "utter_verification_cancelled",
                           "utter_you_are_welcome"})
WHAT_ELSE = "utter_what_else"
GOODBYE = "utter_goodbye"
NONE_OF_THESE_PAYLOAD = "/reject_suggestions"
# A button title, not a response: Rasa appends an action's buttons after a response's own, and
# "None of these" belongs after the article titles.
NONE_OF_THESE = {"en": "None of these", "he": "אף אחד מאלה", "ar": "لا شيء مما سبق", "cs": "Nic z toho"}
_NOT_A_GAP = {"out_of_domain": "utter_out_of_scope", "other_company": "utter_kb_other_company"}


def clarify_buttons(options: Sequence[Candidate], language: str | None) -> list[dict[str, str]]:
    """One button per article title, then "None of these" in the customer's language."""
    buttons = [{"title": c.title, "payload": f'/choose_article{{"article_id": "{c.article_id}"}}'} for c in options]
    return buttons + [{"title": NONE_OF_THESE.get(language or "en", NONE_OF_THESE["en"]), "payload": NONE_OF_THESE_PAYLOAD}]


def abstention_response(coverage: str) -> str | None:
    """The response for an abstention that is no gap in the KB (so no miss), or ``None`` for a gap."""
    return _NOT_A_GAP.get(coverage)


def after_a_miss(misses_before: int, first_response: str) -> tuple[int, str]:
    """The miss count including this one, and what to say: ``first_response`` until the second miss in a
    row, then the offer of a person."""
    misses = misses_before + 1
    return misses, OFFER_A_PERSON if misses >= MISSES_BEFORE_OFFERING_A_PERSON else first_response


ASIDES = frozenset({"utter_language_switched", "utter_iamabot"})
"""Lines said in passing ("Sure, I'll continue in Hebrew", "I'm a virtual assistant"), which leave the
question before them open."""


def offered_a_person_last(events: Sequence[dict[str, Any]]) -> bool:
    """Whether the bot's last question in this session is the offer of a person, which a yes now takes up
    (an aside after it does not close it; a question since, or a new session, does)."""
    return last_bot_response(events, this_session=True, skipping=ASIDES) in OFFERS_OF_A_PERSON


