"""Guides in chat (action_answer_question, action_guide_step): "show all steps" or "step by step", then the
usual "Did that answer your question?"; a stale guide or a "next" with no guide gets a clear message. The
buttons' words typed reach action_guide_step with the button's intent (tests/bot/engine/test_typed_buttons.py)."""
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_base import ActionAnswerQuestion, ActionGuideStep, ActionKbFeedback
from bot.kb.delivery import GUIDE_CHOOSE
from tests.actions.conftest import make_tracker, responses, run, slots_after, slots_set
from tests.bot.kb.kb_articles import write_article, write_demo_kb

GUIDE_ID = "reset-password"
GUIDE_BODY = """Choose **Forgot password?** on the sign-in page and open the link we email you.

1. Open the [sign-in page](/help/en/sign-in).
2. Select **Forgot password?** and enter your email address.
3. Open the email and choose a new password.
"""
STEPS = ("Open the sign-in page.", "Select Forgot password? and enter your email address.",
         "Open the email and choose a new password.")


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory) -> Path:
    """The action tests' demo KB, with its password reset written as a guide without a url of its own."""
    folder = write_demo_kb(tmp_path_factory.mktemp("kb-guides"))
    write_article(folder / "en", GUIDE_ID, "How to reset your password", "en",
                  ["I forgot my password", "reset my password", "how do I reset my password", "lost my password",
                   "password reset link not working", "I need a new password"], body=GUIDE_BODY, kind="guide")
    return folder


@pytest.fixture(autouse=True)
def _services(action_services):
    return action_services


ASKED_HOW_TO_SEE_THE_STEPS = {"event": "bot", "text": "Would you like to see them all at once, or go step by step?",
                              "metadata": {"utter_action": GUIDE_CHOOSE}}


def guide_tracker(domain, intent: str, text: str, step: int = 0, article_id: str | None = GUIDE_ID, channel="socketio",
                  history=None):
    return make_tracker(domain, text, intent, channel=channel, history=history, slots={
        "guide_article_id": article_id, "guide_step": step, "kb_article_id": article_id, "awaiting_feedback": True,
    })


def test_a_guide_answer_first_asks_all_steps_or_step_by_step(dispatcher, domain):
    tracker = make_tracker(domain, "how do I reset my password", "ask_question", channel="socketio")

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_guide_choose"]
    assert dispatcher.messages[0]["count"] == 3
    assert "Forgot password?" in dispatcher.messages[0]["answer"]
    slots = slots_after(tracker, events)
    assert (slots["guide_article_id"], slots["guide_step"]) == (GUIDE_ID, 0)
    assert (slots["kb_article_id"], slots["awaiting_feedback"]) == (GUIDE_ID, True)  # feedback works as for any answer


def test_on_whatsapp_a_guide_comes_as_all_its_steps_at_once(dispatcher, domain):
    tracker = make_tracker(domain, "how do I reset my password", "ask_question", channel="twilio")

    run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_guide_all_steps", "utter_ask_kb_helped"]


def test_an_answer_that_is_not_a_guide_closes_the_guide_before_it(dispatcher, domain):
    tracker = make_tracker(domain, "where is my order", "ask_question", slots={"guide_article_id": GUIDE_ID, "guide_step": 2})

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_kb_answer", "utter_ask_kb_helped"]
    assert (slots_set(events)["guide_article_id"], slots_set(events)["guide_step"]) == (None, 0)


def test_show_all_steps_sends_them_numbered_in_one_message_with_the_help_centre_link(action_services, dispatcher, domain):
    events = run(ActionGuideStep(), dispatcher, guide_tracker(domain, "show_all_steps", "/show_all_steps"), domain)

    assert responses(dispatcher) == ["utter_guide_all_steps", "utter_ask_kb_helped"]
    assert dispatcher.messages[0]["steps"] == "\n".join(f"{n}. {step}" for n, step in enumerate(STEPS, start=1))
    public = action_services.settings.public_helpdesk_url.rstrip("/")
    assert dispatcher.messages[0]["url"] == f"{public}/help/en/{GUIDE_ID}"
    assert slots_set(events) == {"guide_step": 3}


def test_yes_to_all_at_once_or_step_by_step_shows_all_the_steps_and_is_not_taken_for_that_helped(dispatcher, domain):
    tracker = guide_tracker(domain, "affirm", "yes", history=[ASKED_HOW_TO_SEE_THE_STEPS])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    # Until 3 December: "Glad it helped" and the effort question, before the customer saw a single step.
    assert responses(dispatcher) == ["utter_guide_all_steps", "utter_ask_kb_helped"]
    assert slots_set(events) == {"guide_step": 3}


@pytest.mark.parametrize("text", ["yes thanks that helped", "כן תודה, זה עזר", "نعم شكرا هذا ساعدني", "ano díky, to pomohlo"])
def test_yes_that_says_the_answer_was_enough_is_that_helped_even_before_the_steps(dispatcher, domain, text):
    tracker = guide_tracker(domain, "affirm", text, history=[ASKED_HOW_TO_SEE_THE_STEPS])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    # Until 5 December every step of the guide, to a customer who had just said they had what they needed.
    assert responses(dispatcher)[0] == "utter_glad_it_helped"


def test_yes_after_the_steps_is_that_helped(dispatcher, domain):
    shown = {"event": "bot", "text": "Did that answer your question?", "metadata": {"utter_action": "utter_ask_kb_helped"}}
    tracker = guide_tracker(domain, "affirm", "yes", step=3, history=[ASKED_HOW_TO_SEE_THE_STEPS, shown])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_glad_it_helped"


@pytest.mark.parametrize("text", ["ok", "okay", "בסדר", "تمام", "dobře", "ok got it", "הבנתי", "فهمت", "rozumím"])
def test_an_okay_after_a_step_that_is_not_the_last_is_go_on(dispatcher, domain, text):
    """Until 6 December "ok" at step 1 of 3 was "that helped": a resolution and the survey, two steps early."""
    step_one = {"event": "bot", "text": "Step 1 of 3: Open the sign-in page.", "metadata": {"utter_action": "utter_guide_step"}}
    tracker = guide_tracker(domain, "affirm", text, step=1, history=[step_one])

    events = run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_guide_step"]
    assert dispatcher.messages[0]["number"] == 2
    assert slots_set(events)["guide_step"] == 2


def test_yes_it_works_after_a_step_is_that_it_helped(dispatcher, domain):
    step_one = {"event": "bot", "text": "Step 1 of 3: Open the sign-in page.", "metadata": {"utter_action": "utter_guide_step"}}
    tracker = guide_tracker(domain, "affirm", "yes that fixed it", step=1, history=[step_one])

    run(ActionKbFeedback(), dispatcher, tracker, domain)

    assert responses(dispatcher)[0] == "utter_glad_it_helped"


def test_step_by_step_walks_the_steps_then_asks_if_it_helped(domain):
    seen = []
    step = 0
    for _ in STEPS:
        dispatcher = CollectingDispatcher()  # one per customer message
        events = run(ActionGuideStep(), dispatcher, guide_tracker(domain, "next_guide_step", "next", step), domain)
        step = slots_set(events)["guide_step"]
        seen.append((responses(dispatcher), [m.get("step") for m in dispatcher.messages], step))

    assert seen == [
        (["utter_guide_step"], [STEPS[0]], 1),
        (["utter_guide_step"], [STEPS[1]], 2),
        (["utter_guide_last_step", "utter_ask_kb_helped"], [STEPS[2], None], 3),
    ]


def test_next_after_the_last_step_says_so_and_asks_again(dispatcher, domain):
    events = run(ActionGuideStep(), dispatcher, guide_tracker(domain, "next_guide_step", "next", step=3), domain)

    assert responses(dispatcher) == ["utter_guide_no_more_steps", "utter_ask_kb_helped"]
    assert slots_set(events) == {"guide_step": 3}


def test_next_with_no_guide_open_says_so(dispatcher, domain):
    events = run(ActionGuideStep(), dispatcher, guide_tracker(domain, "next_guide_step", "další", article_id=None), domain)

    assert responses(dispatcher) == ["utter_guide_not_open"]
    assert events == []


@pytest.mark.parametrize("stale_id", ["removed-guide", "track-order"])  # gone, or no longer has steps
def test_a_guide_that_is_gone_or_lost_its_steps_is_said_to_be_unavailable(dispatcher, domain, stale_id):
    events = run(ActionGuideStep(), dispatcher, guide_tracker(domain, "next_guide_step", "next", 1, stale_id), domain)

    assert responses(dispatcher) == ["utter_guide_unavailable"]
    assert slots_set(events) == {"guide_article_id": None, "guide_step": 0}


def test_a_question_about_a_next_step_is_a_question_not_a_step(dispatcher, domain):
    tracker = guide_tracker(domain, "ask_question", "what is the next step after I return an item", step=1)

    run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert "utter_guide_step" not in responses(dispatcher)


@pytest.mark.parametrize("text", ["??", "🤷", "؟"])
def test_a_message_without_a_word_under_all_at_once_or_step_by_step_asks_it_again(action_services, dispatcher, domain,
                                                                                   text):
    """Until 7 December "??" there was asked what it was about ("What do you need help with?"): the guide was
    left half-open and its buttons no longer applied."""
    tracker = guide_tracker(domain, "nlu_fallback", text, history=[ASKED_HOW_TO_SEE_THE_STEPS])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_guide_choose"]
    assert dispatcher.messages[0]["count"] == 3
    assert events == []  # still in the guide, before its first step, its answer still awaiting feedback


def test_a_message_without_a_word_after_a_step_shows_that_step_again(dispatcher, domain):
    step_two = {"event": "bot", "text": f"Step 2 of 3: {STEPS[1]}", "metadata": {"utter_action": "utter_guide_step"}}
    tracker = guide_tracker(domain, "nlu_fallback", "??", step=2, history=[step_two])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_guide_step"]
    assert (dispatcher.messages[0]["number"], dispatcher.messages[0]["step"]) == (2, STEPS[1])
    assert events == []


def test_a_message_without_a_word_in_a_guide_that_is_gone_says_it_is_unavailable(dispatcher, domain):
    tracker = guide_tracker(domain, "nlu_fallback", "??", article_id="removed-guide", history=[ASKED_HOW_TO_SEE_THE_STEPS])

    events = run(ActionAnswerQuestion(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_guide_unavailable"]
    slots = slots_after(tracker, events)
    assert (slots["guide_article_id"], slots["guide_step"]) == (None, 0)
