"""Right-to-left in a real browser (Debian Chromium, headless): the chat widget, the agent console
and the reports page show Hebrew and Arabic text right to left per element, their own chrome
stays in its UI language, and a customer name built to reorder the text around it (bidi
spoofing) is shown without its control characters and isolated.

The widget runs against the whole stack. The console and the reports page need no bot: they run
against a helpdesk service on its own, on the seeded report data (tests/bot/ces/seed.py) plus agents
and unanswered questions in Hebrew and Arabic, with tickets created through its internal API as the
action server creates them. Screenshots go to tests/artifacts/screenshots/ (``rtl-*.png``).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from bot.db import make_engine, make_session_factory, session_scope
from bot.helpdesk.text import BIDI_CONTROLS
from bot.models import Agent, KbQuery, Resolution, SurveyRating
from tests.bot.ces.seed import ADMIN_EMAIL, ADMIN_PASSWORD, SINCE, UNTIL, at, migrated_settings, seed_report_data
from tests.e2e.browser import DESKTOP, BrowserTab
from tests.e2e.helpers import HelpdeskAlone, helpdesk_alone
from tests.e2e.test_agent_console import LIVE_TIMEOUT_MS, AgentConsole, new_agent
from tests.e2e.test_widget import BOT_REPLY_TIMEOUT_MS, ChatWidget, demo

pytestmark = pytest.mark.e2e

# What each right-to-left language's customer writes: name, subject, a line in the chat, an agent's note.
CUSTOMERS = {
    "he": {"name": "נועה כהן", "subject": "ההזמנה שלי לא הגיעה (הזמנה 1182)",
           "line": "עדיין לא קיבלתי את החבילה, מה קורה?", "note": "בדקתי מול המחסן: נשלח אתמול"},
    "ar": {"name": "عمر حداد", "subject": "لم يصل طلبي (الطلب 1182)",
           "line": "ما زلت أنتظر الطرد، ماذا حدث؟", "note": "راجعت المستودع: تم الشحن أمس"},
}
# A right-to-left override before a reversed domain: unprotected, "Noa" and the rest of the line
# would show as "Noa bank.com…" with everything after it reversed.
OWN_NAMES = {"he": "עברית", "ar": "العربية"}  # the language menu's names
SPOOF_NAME, SPOOF_SHOWN = "Noa\u202e moc.knab", "Noa moc.knab"
SPOOF_SUBJECT, SPOOF_SUBJECT_SHOWN = "\u2067invoice\u202e fdp.exe", "invoice fdp.exe"


def raw_text(locator: Locator) -> str:
    """textContent as stored in the page, invisible characters included."""
    return locator.evaluate("node => node.textContent")


def user_events(stack, conversation_id: str) -> list[dict]:
    response = requests.get(f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
                            params={"token": stack.rasa_token, "include_events": "ALL"}, timeout=10)
    response.raise_for_status()
    return [event for event in response.json()["events"] if event["event"] == "user"]


def metadata_language_of(stack, conversation_id: str, text: str) -> str | None:
    """The ``language`` metadata of the customer's message ``text`` as Rasa stored it (None before it arrives)."""
    for event in reversed(user_events(stack, conversation_id)):
        if event.get("text") == text:
            return (event.get("metadata") or {}).get("language")
    return None


# --- the widget ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, locale", [("he", "he-IL"), ("ar", "ar-EG")])
def test_the_widget_follows_a_right_to_left_language_and_each_message_its_own_direction(stack, open_page, language, locale):
    chat = demo(open_page, stack, locale=locale).open()
    root = chat.root.locator(".ec-root")
    expect(root).to_have_attribute("dir", "rtl")
    expect(root).to_have_attribute("lang", language)
    # Mirrored: the launcher and the panel sit at the inline end, the left edge in right-to-left.
    assert chat.root.locator(".ec-panel").bounding_box()["x"] < DESKTOP["width"] / 2
    expect(chat.root.locator(".ec-lang-button")).to_have_text(OWN_NAMES[language])

    chat.input.fill(CUSTOMERS[language]["line"])
    expect(chat.input).to_have_css("direction", "rtl")
    chat.input.press("Enter")
    chat.send("order 1182")

    customer_lines = chat.bubbles("user")
    expect(customer_lines).to_have_count(2)
    expect(customer_lines.nth(0)).to_have_css("direction", "rtl")
    expect(customer_lines.nth(1)).to_have_css("direction", "ltr")  # a Latin line keeps its own direction in a right-to-left widget
    expect(chat.root.locator(".ec-pending")).to_have_count(0, timeout=BOT_REPLY_TIMEOUT_MS)
    assert stack.wait_for(lambda: metadata_language_of(stack, chat.conversation_id(), CUSTOMERS[language]["line"]),
                          timeout=30) == language
    chat.tab.screenshot(f"rtl-widget-{language}")
    assert chat.tab.console_errors == []


def open_language_menu(chat: ChatWidget) -> Locator:
    chat.root.locator(".ec-lang-button").click()
    menu = chat.root.get_by_role("menu")
    expect(menu).to_be_visible()
    return menu


def test_the_widget_language_menu_switches_labels_and_direction_and_tells_the_bot(stack, open_page):
    chat = demo(open_page, stack, locale="en-US").open()
    root = chat.root.locator(".ec-root")
    expect(root).to_have_attribute("dir", "ltr")
    language_button = chat.root.get_by_role("button", name="Language: English")
    expect(language_button).to_have_attribute("aria-expanded", "false")

    menu = open_language_menu(chat)
    expect(language_button).to_have_attribute("aria-expanded", "true")
    items = menu.get_by_role("menuitemradio")
    expect(items).to_have_text(["English", "עברית", "العربية", "Čeština"])
    expect(menu.get_by_role("menuitemradio", name="English")).to_have_attribute("aria-checked", "true")
    expect(items.nth(0)).to_be_focused()
    chat.page.keyboard.press("Escape")  # closes the menu, not the panel
    expect(menu).to_be_hidden()
    expect(chat.root.locator(".ec-panel")).to_be_visible()
    expect(language_button).to_be_focused()

    open_language_menu(chat).get_by_role("menuitemradio", name="עברית").click()

    # At once: direction, the widget's own words, and the choice sent as the customer's message.
    expect(root).to_have_attribute("dir", "rtl")
    expect(root).to_have_attribute("lang", "he")
    expect(chat.input).to_have_attribute("placeholder", "הקלידו הודעה…")
    expect(chat.root.locator(".ec-new")).to_have_text("שיחה חדשה")
    expect(chat.root.locator(".ec-welcome .ec-bubble")).to_have_text("שלום! איך אפשר לעזור היום?")
    expect(chat.root.get_by_role("button", name="שפה: עברית")).to_be_focused()
    expect(chat.bubbles("user").last).to_have_text("עברית")
    expect(chat.bubbles("user").last).to_have_css("direction", "rtl")
    assert chat.saved_state()["language"] == "he"
    conversation_id = stack.wait_for(chat.conversation_id)
    assert stack.wait_for(lambda: metadata_language_of(stack, conversation_id, "עברית"), timeout=30) == "he"
    # The bot reads the name as an explicit switch (bot.language.requested_language) and confirms in Hebrew.
    confirmation = chat.wait_for_bot("נמשיך בעברית")
    expect(confirmation).to_have_css("direction", "rtl")
    assert stack.tracker(conversation_id)["slots"]["language"] == "he"
    chat.tab.screenshot("rtl-widget-language-menu")

    # Remembered for the session: a reload keeps Hebrew, and later messages carry it.
    chat.page.reload()
    expect(root).to_have_attribute("dir", "rtl")
    expect(chat.input).to_have_attribute("placeholder", "הקלידו הודעה…")
    chat.send("מתי תגיע ההזמנה?")
    assert stack.wait_for(lambda: metadata_language_of(stack, conversation_id, "מתי תגיע ההזמנה?"), timeout=30) == "he"

    # From the keyboard: ArrowUp opens the menu on its last entry, Enter chooses it.
    chat.root.locator(".ec-lang-button").focus()
    chat.page.keyboard.press("ArrowUp")
    expect(chat.root.get_by_role("menuitemradio", name="Čeština")).to_be_focused()
    chat.page.keyboard.press("Enter")

    expect(root).to_have_attribute("dir", "ltr")
    expect(chat.input).to_have_attribute("placeholder", "Napište zprávu…")
    expect(chat.root.locator(".ec-lang-button")).to_have_text("Čeština")
    expect(chat.bubbles("user").last).to_have_text("Čeština")
    expect(chat.bubbles("user").nth(0)).to_have_css("direction", "rtl")  # earlier Hebrew lines keep their own direction
    assert stack.wait_for(lambda: metadata_language_of(stack, conversation_id, "Čeština"), timeout=30) == "cs"
    chat.wait_for_bot("v češtině")
    assert stack.tracker(conversation_id)["slots"]["language"] == "cs"
    assert chat.tab.console_errors == []


# --- the agent console -----------------------------------------------------------------------------


def create_ticket(stack, *, name: str, email: str, subject: str, language: str, lines: list[tuple[str, str]]) -> str:
    """A ticket as the action server creates it (internal API, service token); returns its conversation id."""
    conversation_id = f"socketio:rtl-{uuid.uuid4().hex[:10]}"
    response = requests.post(f"{stack.helpdesk_url}/api/internal/tickets", timeout=10,
                             headers={"Authorization": f"Bearer {stack.service_token}"},
                             json={"idempotency_key": conversation_id, "conversation_id": conversation_id, "channel": "web",
                                   "language": language, "customer_name": name, "customer_email": email,
                                   "subject": subject, "description": subject, "reason": "customer_request",
                                   "transcript": [{"author": author, "text": text} for author, text in lines]})
    assert response.status_code == 201, response.text
    return conversation_id


def test_the_console_shows_hebrew_and_arabic_right_to_left_in_its_english_chrome_and_names_without_spoofing(helpdesk, open_page):
    stack = helpdesk  # what the console helpers of test_agent_console need: the helpdesk's URL and create_agent
    email = new_agent(stack, "Lena Novak")
    console = AgentConsole.open(open_page, stack)
    console.log_in(email)
    conversations = {
        language: create_ticket(stack, name=customer["name"], email=f"{language}.customer@example.com",
                                subject=customer["subject"], language=language,
                                lines=[("customer", customer["line"]), ("bot", "Connecting you with a person."),
                                       ("customer", "order 1182")])
        for language, customer in CUSTOMERS.items()
    }
    create_ticket(stack, name=SPOOF_NAME, email="\u200fnoa@example.com", subject=SPOOF_SUBJECT, language="en",
                            lines=[("customer", "hello")])

    page: Page = console.page
    rows = page.locator("table.tickets tbody tr")
    for language, customer in CUSTOMERS.items():
        row = rows.filter(has_text=customer["name"])
        expect(row).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
        expect(row.locator(".customer-name")).to_have_css("direction", "rtl")
        expect(row.locator(".subject")).to_have_css("direction", "rtl")
        expect(row.locator(".customer-email")).to_have_css("direction", "ltr")
        expect(row.locator(".col-ref")).to_have_css("direction", "ltr")  # the console's own columns stay as they are
        expect(row.locator(".col-lang")).to_have_text(language)

    spoof_row = rows.filter(has_text=SPOOF_SHOWN)
    expect(spoof_row).to_have_count(1)
    spoof_name = spoof_row.locator(".customer-name")
    assert raw_text(spoof_name) == SPOOF_SHOWN
    assert raw_text(spoof_row.locator(".subject")) == SPOOF_SUBJECT_SHOWN
    assert raw_text(spoof_row.locator(".customer-email")) == "noa@example.com"
    assert not set(raw_text(spoof_row)) & set(BIDI_CONTROLS)
    expect(spoof_name).to_have_css("unicode-bidi", "isolate")  # even a name stored before the cleaning cannot reach its neighbours
    expect(page.locator("body")).to_have_css("direction", "ltr")
    console.tab.screenshot("rtl-console-queue")

    # The Hebrew conversation: customer lines, name, facts, a note written in the composer.
    hebrew = CUSTOMERS["he"]
    rows.filter(has_text=hebrew["name"]).get_by_role("button", name="Claim").click()
    expect(page.locator("#ticket-title")).to_have_text(console_reference(page))
    customer_lines = console.messages("customer")
    expect(customer_lines).to_have_count(2)
    expect(customer_lines.nth(0)).to_have_css("direction", "rtl")
    expect(customer_lines.nth(1)).to_have_css("direction", "ltr")
    author = page.locator(".transcript .msg-customer .msg-author [dir=auto]").first
    expect(author).to_have_text(hebrew["name"])
    expect(author).to_have_css("direction", "rtl")
    expect(page.locator(".ticket-subject")).to_have_css("direction", "rtl")
    expect(page.locator(".ticket-details dd").filter(has_text=hebrew["name"]).locator("[dir=auto]")).to_have_css("direction", "rtl")
    expect(page.locator(".ticket-details .description")).to_have_css("direction", "rtl")
    expect(page.locator(".ticket-head h1")).to_have_css("direction", "ltr")
    expect(page.locator(".ticket-meta")).to_contain_text("Assigned to you")

    arabic_line = CUSTOMERS["ar"]["line"]  # a customer may switch script mid-conversation
    relayed = requests.post(f"{stack.helpdesk_url}/api/internal/conversations/{conversations['he']}/messages", timeout=10,
                            headers={"Authorization": f"Bearer {stack.service_token}"}, json={"text": arabic_line})
    assert relayed.status_code == 201, relayed.text
    expect(customer_lines.last).to_have_text(arabic_line, timeout=LIVE_TIMEOUT_MS)
    expect(customer_lines.last).to_have_css("direction", "rtl")

    page.get_by_label("Internal note", exact=True).check()
    composer = page.locator("#composer-text")
    composer.fill(hebrew["note"])
    expect(composer).to_have_css("direction", "rtl")
    composer.press("Enter")
    note = console.messages("note").last
    expect(note).to_have_text(hebrew["note"])
    expect(note).to_have_css("direction", "rtl")
    expect(page.locator(".transcript .msg-note .msg-author bdi")).to_have_text("Lena Novak")
    console.tab.screenshot("rtl-console-conversation")

    # The spoofed customer's conversation: the name in the author line and the facts, cleaned and isolated.
    page.goto(f"{helpdesk.helpdesk_url}/agent/#/queue")
    rows.filter(has_text=SPOOF_SHOWN).get_by_role("link").click()
    author = page.locator(".transcript .msg-customer .msg-author [dir=auto]").first
    expect(author).to_have_text(SPOOF_SHOWN)
    assert raw_text(author) == SPOOF_SHOWN
    expect(author).to_have_css("unicode-bidi", "isolate")
    assert not set(raw_text(page.locator(".ticket-details .facts").first)) & set(BIDI_CONTROLS)
    assert raw_text(page.locator(".ticket-subject")) == SPOOF_SUBJECT_SHOWN
    # The description is message text and keeps what was typed, inside its own isolated element.
    assert raw_text(page.locator(".ticket-details .description")) == SPOOF_SUBJECT
    expect(page.locator(".ticket-details .description")).to_have_css("unicode-bidi", "isolate")
    assert console.tab.console_errors == []


def console_reference(page: Page) -> str:
    """The reference in the address bar (#/ticket/T-1042) once a ticket is open."""
    page.wait_for_url("**/#/ticket/*")
    return page.url.rsplit("/", 1)[-1]


# --- the reports page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory) -> Iterator[HelpdeskAlone]:
    """A helpdesk on the seeded report data, plus two agents with Hebrew and Arabic names who were
    rated, and unanswered questions in Hebrew and Arabic (the KB gaps). No Rasa: what it would
    deliver to a customer's chat goes to a port nobody listens on."""
    directory = tmp_path_factory.mktemp("rtl-helpdesk")
    settings = migrated_settings(directory)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    seed_report_data(factory)
    with session_scope(factory) as session:
        for language, conversation, day in (("he", "rtl-he", 10), ("ar", "rtl-ar", 11)):
            agent = Agent(email=f"{language}-agent@example.com", name=CUSTOMERS[language]["name"], role="agent",
                          password_hash="not-a-real-hash")
            session.add(agent)
            session.flush()
            resolution = Resolution(resolution_key=f"seed:{conversation}", conversation_id=conversation, resolved_by="agent",
                                    agent_id=agent.id, channel="web", language=language, created_at=at(day, 12))
            session.add(resolution)
            session.flush()
            session.add(SurveyRating(resolution_id=resolution.id, conversation_id=conversation, score=6, resolved_by="agent",
                                  agent_id=agent.id, channel="web", language=language, created_at=at(day, 12, 5)))
            session.add(KbQuery(conversation_id=conversation, channel="web", question=CUSTOMERS[language]["line"],
                                language=language, outcome="abstain", created_at=at(day, 11)))
    engine.dispose()
    with helpdesk_alone(directory, settings.database_url, settings.var_dir,
                        lambda alone: alone.create_agent(ADMIN_EMAIL, "Lead", "admin", ADMIN_PASSWORD)) as alone:
        yield alone


def test_the_reports_page_shows_hebrew_and_arabic_labels_and_kb_gaps_right_to_left(helpdesk, open_page):
    reports_url = helpdesk.helpdesk_url
    tab: BrowserTab = open_page(viewport=DESKTOP)
    login = tab.context.request.post(f"{reports_url}/api/auth/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert login.status == 200, login.text()
    page = tab.page
    page.goto(f"{reports_url}/agent/reports?since={SINCE}&until={UNTIL}")
    expect(page.locator("#report")).to_be_visible(timeout=30_000)

    agent_labels = page.locator('#splits [data-dimension="agent"] svg text.row-label')
    for customer in CUSTOMERS.values():
        label = agent_labels.filter(has_text=customer["name"])
        expect(label).to_have_count(1)
        expect(label).to_have_css("direction", "rtl")
        # Anchored at its end at x = 0: it starts where the English labels start, inside the chart.
        assert label.bounding_box()["x"] >= agent_labels.filter(has_text="Dana Levi").bounding_box()["x"] - 1
        gap = page.locator("#gaps .question").filter(has_text=customer["line"])
        expect(gap).to_have_count(1)
        expect(gap).to_have_css("direction", "rtl")
    expect(agent_labels.filter(has_text="Dana Levi")).to_have_css("direction", "ltr")
    expect(page.locator("#gaps .question").filter(has_text="How do I export my data?")).to_have_css("direction", "ltr")
    expect(page.locator("#gaps .question").filter(has_text="איך לייצא נתונים?")).to_have_css("direction", "rtl")
    expect(page.locator("h1")).to_have_css("direction", "ltr")
    tab.screenshot("rtl-reports")
    assert tab.console_errors == []
