"""How an article is sent in chat, by kind and channel (bot.kb.delivery)."""
from pathlib import Path

import pytest

from bot.kb.delivery import FAQ_MAX_CHARS, Reply, all_steps_replies, answer_replies, article_link, step_replies
from bot.kb.loader import Article, parse_article
from tests.bot.kb.kb_articles import write_article

HELP_CENTRE = "https://support.acme.test/"
STEPS = "Reset it from the sign-in page.\n\n1. Open **Sign in**.\n2. Select [Forgot password?](/help/en/x).\n3. Open the email."


def article(tmp_path: Path, kind: str, body: str, url: str | None = None, language: str = "en") -> Article:
    return parse_article(write_article(tmp_path, f"a-{kind}", "Title", language, ["q"], body=body, url=url, kind=kind))


def responses(replies: list[Reply]) -> list[str]:
    return [reply.response for reply in replies]


def test_an_article_links_to_its_help_centre_page_unless_it_has_its_own_url(tmp_path):
    assert article_link(article(tmp_path, "article", "Text.", language="he"), HELP_CENTRE) == \
        "https://support.acme.test/help/he/a-article"
    own = article(tmp_path, "article", "Text.", url="https://docs.example.com/a")
    assert article_link(own, HELP_CENTRE) == "https://docs.example.com/a"


@pytest.mark.parametrize("channel", ["socketio", "twilio", "telegram", None])
def test_an_article_is_its_short_answer_and_link_on_every_channel(tmp_path, channel):
    replies = answer_replies(article(tmp_path, "article", "Short answer.\n\nMore detail."), channel, HELP_CENTRE)
    assert replies == [Reply("utter_kb_answer", {"answer": "Short answer.", "url": f"{HELP_CENTRE}help/en/a-article"}),
                       Reply("utter_ask_kb_helped")]


def test_a_short_faq_is_sent_whole_as_plain_text(tmp_path):
    body = "We ship to **27 countries**.\n\n## Outside the EU\n\nSee [customs](/help/en/customs)."
    replies = answer_replies(article(tmp_path, "faq", body), "socketio", HELP_CENTRE)
    assert replies == [Reply("utter_kb_answer_no_link", {"answer": "We ship to 27 countries.\n\nOutside the EU\n\nSee customs."}),
                       Reply("utter_ask_kb_helped")]


def test_a_long_faq_is_sent_like_an_article(tmp_path):
    body = "First paragraph.\n\n" + "word " * (FAQ_MAX_CHARS // 5 + 1)
    replies = answer_replies(article(tmp_path, "faq", body), "socketio", HELP_CENTRE)
    assert responses(replies) == ["utter_kb_answer", "utter_ask_kb_helped"]
    assert replies[0].fields["answer"] == "First paragraph."


@pytest.mark.parametrize("channel", ["socketio", "telegram", "slack", "facebook", "rest"])
def test_a_guide_first_asks_all_steps_or_step_by_step_where_the_channel_has_buttons(tmp_path, channel):
    replies = answer_replies(article(tmp_path, "guide", STEPS), channel, HELP_CENTRE)
    assert replies == [Reply("utter_guide_choose", {"answer": "Reset it from the sign-in page.", "count": 3})]


def test_a_guide_on_whatsapp_comes_numbered_in_one_message_straight_away(tmp_path):
    guide = article(tmp_path, "guide", STEPS)
    assert answer_replies(guide, "twilio", HELP_CENTRE) == all_steps_replies(guide, HELP_CENTRE)


def test_all_steps_are_one_numbered_plain_message_with_the_link_then_the_feedback_question(tmp_path):
    replies = all_steps_replies(article(tmp_path, "guide", STEPS), HELP_CENTRE)
    assert replies == [
        Reply("utter_guide_all_steps", {"steps": "1. Open Sign in.\n2. Select Forgot password?.\n3. Open the email.",
                                        "url": f"{HELP_CENTRE}help/en/a-guide"}),
        Reply("utter_ask_kb_helped"),
    ]


def test_step_by_step_asks_for_feedback_only_after_the_last_step(tmp_path):
    guide = article(tmp_path, "guide", STEPS)
    assert step_replies(guide, 1) == [Reply("utter_guide_step", {"number": 1, "count": 3, "step": "Open Sign in."})]
    assert responses(step_replies(guide, 2)) == ["utter_guide_step"]
    assert step_replies(guide, 3) == [Reply("utter_guide_last_step", {"number": 3, "count": 3, "step": "Open the email."}),
                                      Reply("utter_ask_kb_helped")]
    assert responses(step_replies(guide, 4)) == ["utter_guide_no_more_steps", "utter_ask_kb_helped"]
