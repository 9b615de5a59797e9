"""How an article reaches the customer in chat, by its kind and the channel (docs/kb-authoring.md).

- ``faq``: the whole text, when it is short enough for one chat bubble; else like an article;
- ``guide``: its numbered steps. Where the channel has buttons, the customer first chooses "show all
  steps" (one numbered message) or "step by step" (step 1 of N with "Next step", then each next one);
  WhatsApp (Twilio) shows buttons only as typed options, so there the steps come at once, numbered;
- ``article``: its short answer and the link.

Every link goes to the article's own ``url``, else to its page in the help centre. The replies are
response names of domain.yml and their template fields, so the wording stays in four languages there.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.engine.feedback_words import ASK_HELPED
from bot.kb.loader import Article, plain_text

FAQ_MAX_CHARS = 600
"""A ``faq`` longer than this (as plain text) is sent as its short answer and link instead."""
CHANNELS_WITHOUT_BUTTONS = frozenset({"twilio"})
"""Channels that show buttons only as typed options: a guide's choice would be a chore there."""

GUIDE_CHOOSE = "utter_guide_choose"
"""The question a guide opens with: all its steps at once, or one at a time."""
GUIDE_STEP = "utter_guide_step"
ANSWER_STILL_OPEN = frozenset({ASK_HELPED, GUIDE_CHOOSE, GUIDE_STEP})
"""The bot's last lines after which the article shown is still what the conversation is about: a follow-up
("it still hasn't arrived") is about it, not a new question."""


@dataclass(frozen=True)
class Reply:
    """One bot message: a response of domain.yml and the values of its ``{fields}``."""

    response: str
    fields: Mapping[str, Any] = field(default_factory=dict)


def article_link(article: Article, public_helpdesk_url: str) -> str:
    """The article's own ``url``, else its page in the help centre."""
    return article.url or f"{public_helpdesk_url.rstrip('/')}/help/{article.language}/{article.id}"


def answer_replies(article: Article, channel: str | None, public_helpdesk_url: str) -> list[Reply]:
    """What to send when ``article`` answers the customer: the answer, then "Did that answer your
    question?", except for a guide on a channel with buttons, which first asks how to see the steps."""
    link = article_link(article, public_helpdesk_url)
    if article.kind == "guide" and article.steps:
        if channel in CHANNELS_WITHOUT_BUTTONS:
            return all_steps_replies(article, public_helpdesk_url)
        return [guide_choice(article)]
    if article.kind == "faq":
        whole = plain_text(article.body)
        if whole and len(whole) <= FAQ_MAX_CHARS:
            return [Reply("utter_kb_answer_no_link", {"answer": whole}), Reply(ASK_HELPED)]
    return [Reply("utter_kb_answer", {"answer": article.chat_answer(), "url": link}), Reply(ASK_HELPED)]


def guide_choice(article: Article) -> Reply:
    """The answer a guide opens with, then "all its steps at once, or step by step?"."""
    return Reply(GUIDE_CHOOSE, {"answer": article.chat_answer(), "count": len(article.steps)})


def all_steps_replies(article: Article, public_helpdesk_url: str) -> list[Reply]:
    """A guide's steps numbered in one message (every supported channel shows "1. …" lines as a list),
    the link to the full guide, then "Did that answer your question?"."""
    steps = "\n".join(f"{number}. {step}" for number, step in enumerate(article.steps, start=1))
    return [Reply("utter_guide_all_steps", {"steps": steps, "url": article_link(article, public_helpdesk_url)}),
            Reply(ASK_HELPED)]


def step_replies(article: Article, number: int) -> list[Reply]:
    """Step ``number`` (1-based) of a guide; after the last one, "Did that answer your question?".

    A number past the last step says the guide is done and asks again; callers never pass less than 1.
    """
    count = len(article.steps)
    if number > count:
        return [Reply("utter_guide_no_more_steps"), Reply(ASK_HELPED)]
    fields = {"number": number, "count": count, "step": article.steps[number - 1]}
    if number == count:
        return [Reply("utter_guide_last_step", fields), Reply(ASK_HELPED)]
    return [Reply(GUIDE_STEP, fields)]
