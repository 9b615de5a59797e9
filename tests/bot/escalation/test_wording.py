"""Waiting times, opening hours and ticket status in the customer's language."""
import re
import typing
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.escalation.wording import (
    agent_or_anyone,
    all_right,
    back_text,
    next_open_text,
    offline_reason,
    status_line,
    thanks,
    wait_text,
)
from bot.helpdesk.schemas import TicketStatusName
from bot.language import SUPPORTED_LANGUAGES

HEBREW = re.compile(r"[\u0590-\u05FF]")
ARABIC = re.compile(r"[\u0600-\u06FF]")
MONDAY_9AM = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def written_in(language: str, text: str) -> bool:
    """Right-to-left languages by their script; Czech by its letters; English by having neither."""
    if language == "he":
        return bool(HEBREW.search(text)) and not ARABIC.search(text)
    if language == "ar":
        return bool(ARABIC.search(text)) and not HEBREW.search(text)
    if language == "cs":
        return bool(re.search(r"[ěščřžýáíéůúťďň]", text))
    return text.isascii()


@dataclass
class Ticket:
    reference: str = "T-7"
    status: str = "waiting"
    subject: str = "Refund not received"
    queue_position: int | None = 2
    assignee_name: str | None = None
    resolved_at: datetime | None = None
    wait_estimate_minutes: int | None = None


# --- waiting time ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_wait_is_said_in_the_customers_language(language):
    for text in (wait_text(language, 5), wait_text(language, None)):
        assert written_in(language, text), text
    assert "5" in wait_text(language, 5)


def test_english_minutes_agree_with_the_number():
    assert wait_text("en", 1) == "a person usually replies in about 1 minute."
    assert wait_text("en", 12) == "a person usually replies in about 12 minutes."


@pytest.mark.parametrize("language, minutes, phrase", [
    ("cs", 1, "1 minuty"), ("cs", 3, "3 minut"), ("cs", 25, "25 minut"),
    ("ar", 1, "دقيقة واحدة"), ("ar", 2, "دقيقتين"), ("ar", 5, "5 دقائق"), ("ar", 15, "15 دقيقة"),
    ("he", 1, "כדקה"), ("he", 4, "כ-4 דקות"),
])
def test_other_languages_use_the_noun_form_the_number_needs(language, minutes, phrase):
    assert phrase in wait_text(language, minutes)


@pytest.mark.parametrize("minutes", [0, -3])
def test_a_wait_below_one_minute_is_said_as_one_minute(minutes):
    assert wait_text("en", minutes) == wait_text("en", 1)


def test_an_unknown_wait_promises_no_number():
    text = wait_text("en", None)
    assert not re.search(r"\d", text)
    assert "as soon as" in text


@pytest.mark.parametrize("language", [None, "", "de", "xx-YY"])
def test_unsupported_languages_get_english(language):
    assert wait_text(language, 3) == wait_text("en", 3)
    assert offline_reason(language, True) == offline_reason("en", True)
    assert next_open_text(language, None) == next_open_text("en", None)
    assert agent_or_anyone(language, None) == agent_or_anyone("en", None)


@pytest.mark.parametrize("locale, language", [("EN", "en"), ("he-IL", "he"), ("ar_SA", "ar"), ("cs-CZ", "cs")])
def test_a_locale_is_read_as_its_language(locale, language):
    assert wait_text(locale, 3) == wait_text(language, 3)


# --- offline and opening hours ----------------------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_offline_reason_tells_outside_hours_from_nobody_online(language):
    outside_hours = offline_reason(language, open_now=False)
    nobody_online = offline_reason(language, open_now=True)

    assert outside_hours != nobody_online
    assert written_in(language, outside_hours) and written_in(language, nobody_online)


def test_offline_reason_in_english():
    assert "outside support hours" in offline_reason("en", open_now=False)
    assert "No one" in offline_reason("en", open_now=True)


@pytest.mark.parametrize("language, expected", [
    ("en", "from Mon 05 Jan 09:00 UTC"),
    ("he", "החל מ-05/01/2026 09:00 UTC"),
    ("ar", "ابتداءً من 05/01/2026 09:00 UTC"),
    ("cs", "od 05. 01. 2026 09:00 UTC"),
])
def test_next_opening_names_the_moment(language, expected):
    assert next_open_text(language, MONDAY_9AM) == expected


def test_no_english_day_or_month_names_in_other_languages():
    for language in ("he", "ar", "cs"):
        text = next_open_text(language, MONDAY_9AM)
        assert not re.search(r"Mon|Jan", text), text


def test_next_opening_in_the_business_time_zone():
    opening = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Europe/Prague"))
    assert next_open_text("en", opening) == "from Mon 05 Jan 09:00 CET"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_without_a_known_opening_the_answer_is_as_soon_as_possible(language):
    text = next_open_text(language, None)
    assert written_in(language, text)
    assert not re.search(r"\d", text)


# --- ticket status ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", typing.get_args(TicketStatusName))
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_status_is_said_in_every_language(language, status):
    ticket = Ticket(status=status, assignee_name="Noa" if status == "assigned" else None,
                    resolved_at=MONDAY_9AM if status == "resolved" else None)

    line = status_line(language, ticket)

    assert line.startswith("T-7 — Refund not received: ")
    state = line.split(": ", 1)[1]
    assert written_in(language, state.replace("Noa", "")) if language != "en" else state.isascii()


def test_the_english_status_lines():
    assert status_line("en", Ticket()) == "T-7 — Refund not received: waiting for an agent (number 2 in the queue)"
    assert status_line("en", Ticket(status="assigned", assignee_name="Noa")) == "T-7 — Refund not received: Noa is on it"
    assert status_line("en", Ticket(status="resolved", resolved_at=MONDAY_9AM)) == (
        "T-7 — Refund not received: resolved Mon 05 Jan 09:00 UTC")
    assert status_line("en", Ticket(status="closed")) == "T-7 — Refund not received: closed"
    assert status_line("en", Ticket(status="withdrawn")) == "T-7 — Refund not received: cancelled at your request"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_waiting_ticket_says_how_long_a_person_usually_takes(language):
    line = status_line(language, Ticket(wait_estimate_minutes=12))

    assert line == f"{status_line(language, Ticket())}; {wait_text(language, 12)}"
    assert "12" in line.split(": ", 1)[1]
    # Only while it waits: an assigned ticket's agent is in the chat already.
    assert status_line(language, Ticket(status="assigned", assignee_name="Noa", wait_estimate_minutes=12)) == (
        status_line(language, Ticket(status="assigned", assignee_name="Noa")))


def test_the_english_status_line_with_the_usual_wait():
    assert status_line("en", Ticket(wait_estimate_minutes=12)) == (
        "T-7 — Refund not received: waiting for an agent (number 2 in the queue); "
        "a person usually replies in about 12 minutes.")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_outside_hours_an_unknown_wait_says_when_the_team_is_back(language):
    closed = wait_text(language, None, back_at=MONDAY_9AM)

    assert closed != wait_text(language, None) and "09:00" in closed
    assert written_in(language, closed) if language != "en" else closed.isascii()
    assert closed.casefold() == back_text(language, MONDAY_9AM).casefold(), "the words of the offline message"
    assert wait_text(language, 12, back_at=MONDAY_9AM) == wait_text(language, 12), "agents online say how long"
    assert status_line(language, Ticket(), back_at=MONDAY_9AM) == f"{status_line(language, Ticket())}; {closed}"
    assert status_line(language, Ticket(status="assigned", assignee_name="Noa"), back_at=MONDAY_9AM) == (
        status_line(language, Ticket(status="assigned", assignee_name="Noa")))


def test_the_english_wait_outside_hours():
    assert wait_text("en", None, back_at=MONDAY_9AM) == "our team is back on Mon 05 Jan 09:00 UTC."


def test_missing_details_do_not_break_the_line():
    assert "number ? in the queue" in status_line("en", Ticket(queue_position=None))
    assert status_line("en", Ticket(status="assigned")).endswith("an agent is on it")
    assert status_line("he", Ticket(status="assigned")).endswith("נציג מטפל/ת בפנייה")
    assert status_line("en", Ticket(status="resolved")).endswith("resolved")


def test_an_unknown_status_is_shown_as_is():
    assert status_line("cs", Ticket(status="on_hold")) == "T-7 — Refund not received: on_hold"


def test_hostile_subjects_are_passed_through_as_text():
    line = status_line("ar", Ticket(subject="<img src=x onerror=alert(1)> {position}"))
    assert "<img src=x onerror=alert(1)> {position}" in line  # not formatted, not interpreted


# --- an agent without a name ----------------------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_an_agent_without_a_name_is_called_an_agent_in_the_customers_language(language):
    for missing in (None, "", "  "):
        fallback = agent_or_anyone(language, missing)
        assert written_in(language, fallback), fallback
        assert fallback[0] == fallback[0].upper()  # it starts a sentence ("An agent from the support team …")
    assert agent_or_anyone(language, " Noa ") == "Noa"


def test_the_english_unnamed_agent_starts_a_sentence():
    assert agent_or_anyone("en", None) == "An agent"
    assert agent_or_anyone("cs", None) == "Operátor"


@pytest.mark.parametrize(("language", "name", "expected"), [
    ("en", "Dana Levi", "Thanks, Dana Levi."), ("en", None, "Thanks."), ("en", "  ", "Thanks."),
    ("he", "נועה", "תודה, נועה."), ("he", None, "תודה."), ("ar", "أحمد", "شكرًا، أحمد."), ("ar", None, "شكرًا."),
    ("cs", "Jana", "Děkuji, Jana."), ("cs", None, "Děkuji."),
])
def test_the_customer_is_thanked_by_name_or_without_one(language, name, expected):
    assert thanks(language, name) == expected


def test_all_right_without_a_name_has_no_stray_comma():
    assert (all_right("en", None), all_right("cs", "Petr"), all_right("xx", None)) == ("All right.", "Dobře, Petr.", "All right.")
