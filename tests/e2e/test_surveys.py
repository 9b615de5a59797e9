"""SURVEY=nps and SURVEY=csat through the whole stack (real Rasa, action server, helpdesk, database): the
question and its buttons after a KB answer that helped, the answer stored with its survey and customer,
NPS not asked again of the same customer, and a low CSAT score offered a person."""
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from bot.models import SurveyRating
from bot.stack.assembly import start_stack
from tests.e2e.conftest import Stack, stack_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["nps", "csat"])
def survey_stack(request, tmp_path_factory, standins) -> Iterator[tuple[str, Stack]]:
    env = stack_env(tmp_path_factory.mktemp(f"{request.param}-stack"), standins, SURVEY=request.param)
    # Building the KB index on a loaded 2-core machine can outlast start_stack's default 180 s.
    with start_stack(env, timeout_s=600) as running:
        yield request.param, Stack(running=running, env=env)


def ratings(stack: Stack, sender: str) -> list[tuple[str, int, bool]]:
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return [(r.survey, r.score, r.customer_id is not None)
                    for r in session.scalars(select(SurveyRating).where(SurveyRating.conversation_id == sender))]
    finally:
        engine.dispose()


def resolved_by_the_bot(stack: Stack, sender: str, question: str) -> list[dict]:
    """Ask the KB a question and answer "yes, that helped"; the bot's replies to the yes."""
    answer = stack.say(sender, question)
    assert any(b["payload"] == "/affirm" for reply in answer for b in reply.get("buttons", [])), answer
    return stack.say(sender, "/affirm")


def test_the_survey_is_asked_and_stored_and_nps_not_asked_twice(survey_stack, sender):
    survey, stack = survey_stack
    replies = resolved_by_the_bot(stack, sender, "how much does shipping cost")
    [question] = [reply for reply in replies if reply.get("buttons")]
    if survey == "nps":
        assert "recommend Acme to a friend or colleague" in question["text"]
        assert "0 = not at all likely" in question["text"] and "10 = extremely likely" in question["text"]
        assert [b["payload"] for b in question["buttons"]] == [str(n) for n in range(11)]
        score = "9"
    else:
        assert "how satisfied are you with the help you got?" in question["text"]
        assert [b["title"] for b in question["buttons"]] == ["1 – Very dissatisfied", "2", "3", "4", "5 – Very satisfied"]
        score = "2"

    assert any("Anything we could have done better" in reply.get("text", "") for reply in stack.say(sender, score))
    after = stack.say(sender, "/deny")

    assert ratings(stack, sender) == [(survey, int(score), True)]
    offered_a_person = any(b["payload"] == "/request_human" for reply in after for b in reply.get("buttons", []))
    assert offered_a_person is (survey == "csat"), after  # CSAT 2 is low; NPS 9 is a promoter

    if survey == "nps":
        again = resolved_by_the_bot(stack, sender, "how long do I have to return an item")
        assert not any("recommend" in reply.get("text", "") for reply in again), again
        assert any("anything else" in reply.get("text", "").lower() for reply in again), again
        assert ratings(stack, sender) == [("nps", 9, True)]
