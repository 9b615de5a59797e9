"""Sentences about waiting times and opening hours in the customer's language.

Rasa responses hold the fixed wording; these fill their variables, because numbers and
dates need grammar that a template cannot express.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.language import normalize_language

_WAIT = {
    "en": ("a person usually replies in about {minutes}.", "a person will reply as soon as one is free."),
    "he": ("נציג עונה בדרך כלל תוך {minutes}.", "נציג יענה ברגע שיתפנה."),
    "ar": ("عادةً يرد موظف خلال {minutes} تقريبًا.", "سيرد موظف فور توفره."),
    "cs": ("člověk obvykle odpoví asi do {minutes}.", "odpoví vám první volný člověk."),
}


def _minutes(language: str, n: int) -> str:
    """``n`` minutes with the noun form each language needs after that number."""
    if language == "he":
        return "כדקה" if n == 1 else f"כ-{n} דקות"
    if language == "ar":  # 1 and 2 have their own forms; 3-10 take the plural, 11+ the singular
        return {1: "دقيقة واحدة", 2: "دقيقتين"}.get(n) or f"{n} {'دقائق' if n <= 10 else 'دقيقة'}"
    if language == "cs":  # genitive after "do": 1 minuty, 2+ minut
        return f"{n} minuty" if n == 1 else f"{n} minut"
    return f"{n} minute" if n == 1 else f"{n} minutes"
_OFFLINE = {
    "en": ("Our team is offline right now (outside support hours).", "No one from our team is online right now."),
    "he": ("הצוות שלנו לא זמין כרגע (מחוץ לשעות הפעילות).", "אף נציג לא מחובר כרגע."),
    "ar": ("فريقنا غير متاح الآن (خارج ساعات الدعم).", "لا يوجد موظف متصل الآن."),
    "cs": ("Náš tým teď nepracuje (mimo provozní dobu).", "Nikdo z týmu teď není online."),
}
_NEXT_OPEN = {
    "en": ("from {when}", "as soon as possible"),
    "he": ("החל מ-{when}", "בהקדם האפשרי"),
    "ar": ("ابتداءً من {when}", "في أقرب وقت ممكن"),
    "cs": ("od {when}", "co nejdříve"),
}


def wait_text(language: str | None, minutes: int | None, back_at: datetime | None = None) -> str:
    """How long a waiting customer will wait: a person's usual time when the helpdesk can tell; else, outside
    support hours, when the team is back (``back_at``), since "as soon as one is free" reads as minutes on a
    Saturday night; else as soon as a person is free."""
    language = normalize_language(language)
    known, unknown = _WAIT[language]
    if minutes is not None:
        return known.format(minutes=_minutes(language, max(1, int(minutes))))
    if back_at is None:
        return unknown
    sentence = back_text(language, back_at)  # the same words as the offline message, mid-sentence here
    return sentence[:1].lower() + sentence[1:]


_QUEUE_PLACE = {
    "en": ("You're number {position} in the queue", "You're in the queue"),
    "he": ("מספרך בתור: {position}", "הפנייה שלך ממתינה בתור"),
    "ar": ("ترتيبك {position} في قائمة الانتظار", "طلبك في قائمة الانتظار"),
    "cs": ("Jste {position}. v pořadí", "Jste v pořadí"),
}


def queue_place(language: str | None, position: int | None) -> str:
    """The customer's place in the queue, or only that they are in it when the helpdesk cannot tell."""
    known, unknown = _QUEUE_PLACE[normalize_language(language)]
    return unknown if position is None else known.format(position=position)


_THANK_YOU = {"en": "Thanks", "he": "תודה", "ar": "شكرًا", "cs": "Děkuji"}
_ALL_RIGHT = {"en": "All right", "he": "בסדר", "ar": "حسنًا", "cs": "Dobře"}


def thanks(language: str | None, name: str | None) -> str:
    """ "Thanks, Dana." or, for a customer who gave no name, "Thanks." (not "Thanks, .")."""
    return _addressed(_THANK_YOU, language, name)


def all_right(language: str | None, name: str | None) -> str:
    return _addressed(_ALL_RIGHT, language, name)


def _addressed(words: dict[str, str], language: str | None, name: str | None) -> str:
    language = normalize_language(language)
    comma = "، " if language == "ar" else ", "
    return f"{words[language]}{comma}{name.strip()}." if name and name.strip() else f"{words[language]}."


def offline_reason(language: str | None, open_now: bool) -> str:
    outside_hours, nobody_online = _OFFLINE[normalize_language(language)]
    return outside_hours if not open_now else nobody_online


# Day and month names would come out in English whatever the language: other languages get numbers.
_MOMENT_FORMATS = {"en": "%a %d %b %H:%M %Z", "he": "%d/%m/%Y %H:%M %Z", "ar": "%d/%m/%Y %H:%M %Z",
                   "cs": "%d. %m. %Y %H:%M %Z"}


def _moment(language: str, value: datetime | None) -> str:
    return value.strftime(_MOMENT_FORMATS[language]).strip() if value else ""


def next_open_text(language: str | None, next_open: datetime | None) -> str:
    language = normalize_language(language)
    when_template, soon = _NEXT_OPEN[language]
    return when_template.format(when=_moment(language, next_open)) if next_open else soon


_BACK = {
    "en": ("Our team is back on {when}.", "A person will pick it up as soon as one is free."),
    "he": ("הצוות חוזר לעבודה ב-{when}.", "נציג יטפל בפנייה ברגע שיתפנה."),
    "ar": ("يعود فريقنا للعمل في {when}.", "سيتولى أحد موظفينا طلبك فور توفره."),
    "cs": ("Náš tým je tu znovu od {when}.", "Jakmile se někdo z týmu uvolní, hned se tomu bude věnovat."),
}


def back_text(language: str | None, next_open: datetime | None) -> str:
    """When a person will be there: the next opening (business time zone), or as soon as one is free."""
    language = normalize_language(language)
    at_opening, when_free = _BACK[language]
    return at_opening.format(when=_moment(language, next_open)) if next_open else when_free


_STATUS = {
    "en": {"waiting": "waiting for an agent (number {position} in the queue)", "assigned": "{agent} is on it",
           "resolved": "resolved {when}", "closed": "closed", "withdrawn": "cancelled at your request"},
    "he": {"waiting": "ממתינה לנציג (מספר {position} בתור)", "assigned": "{agent} מטפל/ת בפנייה",
           "resolved": "נפתרה {when}", "closed": "סגורה", "withdrawn": "בוטלה לבקשתך"},
    "ar": {"waiting": "بانتظار موظف (رقم {position} في قائمة الانتظار)", "assigned": "{agent} يعمل عليها",
           "resolved": "تم حلها {when}", "closed": "مغلقة", "withdrawn": "أُلغيت بناءً على طلبك"},
    "cs": {"waiting": "čeká na operátora ({position}. v pořadí)", "assigned": "řeší ji {agent}",
           "resolved": "vyřešeno {when}", "closed": "uzavřeno", "withdrawn": "zrušeno na vaši žádost"},
}


_AN_AGENT = {"en": "an agent", "he": "נציג", "ar": "موظف", "cs": "operátor"}


def agent_or_anyone(language: str | None, agent_name: str | None) -> str:
    """The agent's name, or "An agent" in the customer's language when the helpdesk sent none
    (it starts a sentence: "An agent from the support team has joined the chat")."""
    if agent_name and agent_name.strip():
        return agent_name.strip()
    fallback = _AN_AGENT[normalize_language(language)]
    return fallback[:1].upper() + fallback[1:]


class TicketSummary(Protocol):
    """What a status line reads from a ticket (read-only, so a narrower ``status`` type fits too)."""

    @property
    def reference(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def queue_position(self) -> int | None: ...
    @property
    def assignee_name(self) -> str | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def wait_estimate_minutes(self) -> int | None: ...


def status_line(language: str | None, ticket: TicketSummary, back_at: datetime | None = None) -> str:
    """One line per ticket for "what's the status of my ticket?" (and "how long will it take?"): a
    waiting ticket says how long a person usually takes when the helpdesk can tell, or when the team is
    back (``back_at``, outside support hours)."""
    language = normalize_language(language)
    template = _STATUS[language].get(ticket.status, "{status}")
    state = template.format(position=ticket.queue_position or "?", agent=ticket.assignee_name or _AN_AGENT[language],
                            when=_moment(language, ticket.resolved_at), status=ticket.status).strip()
    if ticket.status == "waiting" and (ticket.wait_estimate_minutes is not None or back_at is not None):
        state = f"{state}; {wait_text(language, ticket.wait_estimate_minutes, back_at)}"
    return f"{ticket.reference} — {ticket.subject}: {state}"
