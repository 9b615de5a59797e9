"""With SURVEY=csat or nps the resolution e-mail and the /rate page follow the survey: its question,
one link and one button per score (5 for CSAT 1..5, 11 for NPS 0..10), and the answer stored as that survey."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.models import EmailMessage, SurveyRating
from tests.bot.email.test_rating import resolved_link

SCALES = {"csat": list(range(1, 6)), "nps": list(range(0, 11))}
QUESTIONS = {"csat": "How satisfied are you with the help you got?",
             "nps": "How likely are you to recommend Acme to a friend or colleague?"}


@pytest.fixture(params=["csat", "nps"])
def survey(request) -> str:
    return request.param


@pytest.fixture
def mail_settings(mail_settings, survey):
    return mail_settings.model_copy(update={"survey": survey, "company_name": "Acme"})


def test_the_email_and_the_page_ask_the_configured_survey(mail_desk, mail_sessions, survey):
    scale = SCALES[survey]
    link = resolved_link(mail_desk, mail_sessions, f"web:{survey}", scale[-1])
    with session_scope(mail_sessions) as session:
        body = session.scalars(select(EmailMessage.body).where(EmailMessage.kind == "resolution")).one()
    scores = [int(found) for found in re.findall(r"^(\d+): \S+/rate/\S+\?score=\1$", body, flags=re.MULTILINE)]
    assert scores == scale
    assert QUESTIONS[survey] in body

    page = mail_desk.client.get(link)
    assert page.status_code == 200 and QUESTIONS[survey] in page.text
    assert re.findall(r'name="score" value="(\d+)" aria-pressed', page.text) == [str(n) for n in scale]

    path = link.split("?")[0]
    outside = mail_desk.client.post(path, data={"score": str(scale[-1] + 1)})
    assert outside.status_code == 400
    assert mail_desk.client.post(path, data={"score": str(scale[0])}).status_code == 200
    with session_scope(mail_sessions) as session:
        assert [(r.survey, r.score, r.channel) for r in session.scalars(select(SurveyRating))] == [
            (survey, scale[0], "email")]
