"""The resolution e-mail's effort links and the page behind them: opening a link records nothing (mail
scanners open links too), Send records once with channel ``email``, and forged or expired links are refused."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db import session_scope, utcnow
from bot.email.rating import rating_token
from bot.models import EmailMessage, SurveyRating
from tests.bot.email.test_notify import claimed, left_the_chat


def resolved_link(desk, sessions, conversation_id: str, score: int, language: str = "en") -> str:
    anna, ticket_id = claimed(desk, conversation_id, language=language)
    left_the_chat(sessions, conversation_id)
    assert desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers).status_code == 200
    with session_scope(sessions) as session:
        body = session.scalars(select(EmailMessage.body).where(EmailMessage.kind == "resolution")).one()
    link = next(line.split(": ", 1)[1] for line in body.splitlines() if line.startswith(f"{score}: "))
    return link.removeprefix("https://help.acme.example")


def ratings(sessions) -> list[tuple[int, str | None]]:
    with session_scope(sessions) as session:
        return [(r.score, r.channel) for r in session.scalars(select(SurveyRating))]


def test_a_link_shows_the_choice_and_send_records_it_once(mail_desk, mail_sessions):
    link = resolved_link(mail_desk, mail_sessions, "web:rate", 5)
    page = mail_desk.client.get(link)
    assert page.status_code == 200 and 'dir="ltr"' in page.text
    assert "You chose 5" in page.text and 'value="5" aria-pressed="true"' in page.text
    assert ratings(mail_sessions) == [], "opening the link records nothing"

    path = link.split("?")[0]
    sent = mail_desk.client.post(path, data={"score": "5"})
    assert sent.status_code == 200 and "your answer is saved" in sent.text
    again = mail_desk.client.post(path, data={"score": "2"})
    assert "already have your answer" in again.text
    assert ratings(mail_sessions) == [(5, "email")]
    assert "already have your answer" in mail_desk.client.get(link).text


def test_the_page_speaks_the_tickets_language_right_to_left(mail_desk, mail_sessions):
    page = mail_desk.client.get(resolved_link(mail_desk, mail_sessions, "web:rate-he", 6, language="he"))
    assert 'lang="he" dir="rtl"' in page.text and "בחרת 6" in page.text


def test_forged_expired_and_nonsense_answers_get_a_clear_page(mail_desk, mail_settings, mail_sessions):
    link = resolved_link(mail_desk, mail_sessions, "web:rate-bad", 3)
    token = link.split("/rate/")[1].split("?")[0]
    resolution_id, expires, signature = token.split(".")
    forged = mail_desk.client.get(f"/rate/{int(resolution_id) + 1}.{expires}.{signature}?score=1")
    assert forged.status_code == 400 and "not valid" in forged.text
    assert mail_desk.client.post("/rate/nonsense", data={"score": "1"}).status_code == 400
    stale = rating_token(mail_settings, int(resolution_id), now=utcnow() - timedelta(days=15))
    expired = mail_desk.client.post(f"/rate/{stale}", data={"score": "1"})
    assert expired.status_code == 410 and "expired" in expired.text
    wrong_score = mail_desk.client.post(f"/rate/{token}", data={"score": "9"})
    assert wrong_score.status_code == 400 and 'name="score"' in wrong_score.text
    assert ratings(mail_sessions) == []
