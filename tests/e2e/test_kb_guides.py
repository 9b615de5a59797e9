"""A guide through the real stack: "how do I reset my password" is answered as a guide (kind: guide in
data/kb), walked step by step with the button and with a typed "next", or shown all at once with the
link to its help-centre page; then the usual "did that help" and the effort question."""
import pytest

pytestmark = pytest.mark.e2e

QUESTION = "how do I reset my password"


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def payloads(replies):
    return [button["payload"] for reply in replies for button in reply.get("buttons", [])]


def test_a_guide_walked_step_by_step_ends_with_did_that_help_and_the_effort_question(stack, sender):
    choice = stack.say(sender, QUESTION)
    assert any("This guide has 5 steps" in text for text in texts(choice)), choice
    assert {"/show_all_steps", "/next_guide_step"} <= set(payloads(choice)), choice

    walked = [stack.say(sender, "/next_guide_step"), stack.say(sender, "next")]  # pressed, then typed
    walked += [stack.say(sender, "/next_guide_step") for _ in range(3)]

    assert [texts(replies)[0].split(":")[0] for replies in walked] == [
        "Step 1 of 5", "Step 2 of 5", "Step 3 of 5", "Step 4 of 5", "Step 5 of 5, the last one"]
    assert "Open www.acme.example (or the Acme app) and choose Sign in." in texts(walked[0])[0]
    assert all("/next_guide_step" in payloads(replies) for replies in walked[:4])
    assert "Did that answer your question?" in texts(walked[-1]), walked[-1]

    helped = " ".join(texts(stack.say(sender, "yes")))
    assert "glad that helped" in helped and "easy" in helped, helped


def test_all_steps_come_numbered_in_one_message_with_the_help_centre_link(stack, sender):
    stack.say(sender, QUESTION)

    replies = stack.say(sender, "/show_all_steps")

    # Rasa's channels send each paragraph ("\n\n") of a text as a bubble of its own: the steps, then the link.
    steps, link, helped = texts(replies)
    assert [line[:3] for line in steps.splitlines()] == ["1. ", "2. ", "3. ", "4. ", "5. "], steps
    assert "**" not in steps
    assert link == f"The full guide: {stack.helpdesk_url.rstrip('/')}/help/en/reset-password"
    assert helped == "Did that answer your question?"


def test_next_with_no_guide_open_says_so(stack, sender):
    replies = texts(stack.say(sender, "next step"))
    assert "There's no guide open at the moment. What can I help you with?" in replies, replies


@pytest.mark.parametrize("question, yes, did_it_help", [
    (QUESTION, "yes", "Did that answer your question?"),
    ("איך מאפסים סיסמה", "כן", "האם זה ענה על השאלה שלך?"),
], ids=["en", "he"])
def test_yes_to_all_at_once_or_step_by_step_shows_the_steps(stack, sender, question, yes, did_it_help):
    stack.say(sender, question)

    replies = texts(stack.say(sender, yes))

    # Until 3 December a "yes" here was "glad that helped" and the effort question, before any step was shown.
    assert replies[0].startswith("1. ") and replies[-1] == did_it_help, replies


def test_yes_that_says_it_helped_at_the_choice_is_that_helped_not_the_steps(stack, sender):
    stack.say(sender, QUESTION)

    replies = " ".join(texts(stack.say(sender, "yes thanks that helped")))

    # Until 5 December all five steps, to a customer who had just said the answer was enough.
    assert "glad that helped" in replies and "1. " not in replies, replies
