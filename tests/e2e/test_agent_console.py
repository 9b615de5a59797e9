"""The agent console in a real browser (Debian Chromium, headless) against the whole stack.

The console is served by the helpdesk at ``/agent``; the customer is driven through the real bot
over Rasa's REST channel, which escalates through the real action server. A REST customer cannot
receive pushes, so what the agent sends is checked in the customer's Rasa tracker, and the console
must say it reached nobody (e-mail is off on this stack). Screenshots
land in ``tests/artifacts/screenshots/`` (``console-*.png``).
"""
from __future__ import annotations

import re
import uuid

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import BrowserTab
from tests.e2e.standins import escalate

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
LIVE_TIMEOUT_MS = 30_000
TICKET_REFERENCE = re.compile(r"\bT-\d+\b")


class RestCustomer:
    """A customer chatting over Rasa's REST channel: the bot's replies come back in each HTTP answer."""

    def __init__(self, stack, sender: str) -> None:
        self.stack = stack
        self.sender = sender
        self.replies: list[str] = []

    def say(self, text: str) -> list[str]:
        replies = [message.get("text", "") for message in self.stack.say(self.sender, text)]
        self.replies.extend(replies)
        return replies

    def escalate(self, name: str, email: str, problem: str) -> str:
        """Ask for a person and answer the form; returns the ticket reference the bot gave."""
        escalate(self.say, lambda: self.replies, {r"your name": name, r"email": email, r"what's the problem": problem})
        confirmation = next(text for text in reversed(self.replies) if TICKET_REFERENCE.search(text))
        return TICKET_REFERENCE.search(confirmation).group(0)

    def bot_texts_in_tracker(self) -> list[str]:
        return [event.get("text") or "" for event in self.stack.tracker(self.sender)["events"] if event["event"] == "bot"]


class AgentConsole:
    """What an agent sees and does in the console, in Playwright terms."""

    def __init__(self, tab: BrowserTab, helpdesk_url: str) -> None:
        self.tab = tab
        self.page: Page = tab.page
        self.helpdesk_url = helpdesk_url

    @classmethod
    def open(cls, open_page, stack) -> AgentConsole:
        return cls(open_page(f"{stack.helpdesk_url}/agent/"), stack.helpdesk_url)

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        self.page.get_by_label("E-mail").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_label("Password").press("Enter")
        expect(self.page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
        expect(self.page.locator("#live-status")).to_have_text("Live")

    def queue_row(self, reference: str) -> Locator:
        return self.page.locator("table.tickets tbody tr").filter(has=self.page.get_by_role("link", name=reference, exact=True))

    def messages(self, author: str) -> Locator:
        """Message bodies in the transcript from ``customer``, ``bot``, ``agent``, ``note`` or ``system``."""
        return self.page.locator(f".transcript .msg-{author} .msg-body")

    def send(self, text: str) -> None:
        box = self.page.locator("#composer-text")
        box.fill(text)
        box.press("Enter")

    def action(self, name: str) -> Locator:
        return self.page.locator(".ticket-actions").get_by_role("button", name=name, exact=True)

    def session_cookie(self) -> dict[str, object]:
        return next(cookie for cookie in self.tab.context.cookies() if cookie["name"] == "effortless_session")


def new_agent(stack, name: str) -> str:
    """Create an agent with a unique e-mail (the stack is shared by the whole test session)."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@acme.example"
    stack.create_agent(email, name, "agent", PASSWORD)
    return email


def test_an_agent_takes_a_live_escalation_from_the_queue_to_resolved(stack, open_page, sender):
    email = new_agent(stack, "Dana Levi")
    console = AgentConsole.open(open_page, stack)
    expect(console.page.get_by_role("heading", name="Agent console")).to_be_visible()
    console.tab.screenshot("console-login")
    console.log_in(email)
    console.page.evaluate("() => { window.consoleNeverReloaded = true; }")

    customer = RestCustomer(stack, sender)
    reference = customer.escalate("Maya Cohen", "maya.cohen@example.com", "My refund has not arrived after two weeks")

    row = console.queue_row(reference)
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)  # pushed by the event stream, no reload
    for shown in ("Maya Cohen", "maya.cohen@example.com", "My refund has not arrived", "Asked for a person", "en", "rest"):
        expect(row).to_contain_text(shown)
    expect(row.locator("time.age")).to_have_text(re.compile(r"just now|\d+ min"))
    assert console.page.evaluate("() => window.consoleNeverReloaded") is True
    console.tab.screenshot("console-queue")

    row.get_by_role("button", name=f"Claim {reference}").click()

    expect(console.page.locator("#ticket-title")).to_have_text(reference)
    expect(console.page.locator(".ticket-meta")).to_contain_text("Assigned to you")
    expect(console.messages("customer").first).to_have_text("I want to talk to a human")
    expect(console.messages("system").last).to_have_text("Dana Levi joined the conversation")
    expect(console.page.locator(".ticket-details")).to_contain_text("The customer asked for a person.")
    expect(console.page.locator("#composer-text")).to_be_focused()  # claim, then type at once
    stack.wait_for(lambda: any("Dana Levi from the support team has joined" in text for text in customer.bot_texts_in_tracker()),
                   timeout=30)

    console.send("Hi Maya, Dana here. Your refund was sent today.")

    reply = console.page.locator(".transcript .msg-agent").last
    expect(reply.locator(".msg-body")).to_have_text("Hi Maya, Dana here. Your refund was sent today.")
    expect(reply.locator(".msg-delivery")).to_have_text(
        "Not delivered: the customer's channel cannot receive messages, and e-mail is off", timeout=LIVE_TIMEOUT_MS)
    joined = console.page.locator(".transcript .msg-system").filter(has_text="Dana Levi joined the conversation")
    expect(joined.locator(".msg-delivery")).to_have_text("Not delivered: the customer's channel cannot receive messages")
    expect(console.page.locator("#composer-text")).to_have_value("")
    assert any("Your refund was sent today." in text for text in customer.bot_texts_in_tracker())

    assert customer.say("thanks, that worked") == []  # relayed to the agent; the bot itself stays quiet

    expect(console.messages("customer").last).to_have_text("thanks, that worked", timeout=LIVE_TIMEOUT_MS)
    console.tab.screenshot("console-conversation")

    console.action("Resolve").click()

    expect(console.page.locator(".ticket-meta .chip-status")).to_have_text("Resolved")
    expect(console.action("Reopen")).to_be_visible()
    resolution = console.page.locator(".transcript .msg-system").filter(has_text="Dana Levi resolved the ticket")
    expect(resolution.locator(".msg-delivery")).to_have_text(
        "Not delivered: the customer's channel cannot receive messages, and e-mail is off", timeout=LIVE_TIMEOUT_MS)
    expect(console.page.locator(".transcript .msg-retry")).to_have_count(0)  # retrying cannot reach a REST client
    stack.wait_for(lambda: any(f"marked your request {reference} as resolved" in text
                               for text in customer.bot_texts_in_tracker()), timeout=30)

    console.page.get_by_role("link", name="My conversations").click()

    resolved = console.page.get_by_role("table", name="Your resolved and closed tickets")
    expect(resolved.get_by_role("link", name=reference, exact=True)).to_be_visible()
    assert console.page.evaluate("() => window.consoleNeverReloaded") is True
    assert console.tab.console_errors == []


def test_a_reply_to_a_rest_customer_goes_by_email_and_the_console_says_so(mail_stack, open_page, sender):
    """The trial's case with e-mail on: REST cannot push, so the reply and the resolution go by e-mail,
    and the console must say that rather than Delivered."""
    email = new_agent(mail_stack, "Omer Katz")
    console = AgentConsole.open(open_page, mail_stack)
    console.log_in(email)
    customer = RestCustomer(mail_stack, sender)
    reference = customer.escalate("Maya Cohen", "maya.cohen@example.com", "My refund has not arrived after two weeks")
    console.queue_row(reference).get_by_role("button", name=f"Claim {reference}").click(timeout=LIVE_TIMEOUT_MS)

    console.send("Your refund was sent today.")
    reply = console.page.locator(".transcript .msg-agent").last
    expect(reply.locator(".msg-delivery")).to_have_text("Sent by e-mail", timeout=LIVE_TIMEOUT_MS)
    console.action("Resolve").click()
    resolution = console.page.locator(".transcript .msg-system").filter(has_text="Omer Katz resolved the ticket")
    expect(resolution.locator(".msg-delivery")).to_have_text("Sent by e-mail", timeout=LIVE_TIMEOUT_MS)
    expect(console.page.locator(".transcript .msg-retry")).to_have_count(0)
    assert console.tab.console_errors == []


def test_customer_text_is_shown_as_text_right_to_left_where_it_is_and_markup_never_runs(stack, open_page, sender):
    email = new_agent(stack, "Omar Haddad")
    console = AgentConsole.open(open_page, stack)
    dialogs: list[str] = []
    console.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    console.log_in(email)
    image_attack = "<img src=x onerror=alert(1)>"
    script_attack = "<script>alert('pwned')</script>"

    customer = RestCustomer(stack, sender)
    reference = customer.escalate("Mallory", "mallory@example.com", image_attack)
    row = console.queue_row(reference)
    expect(row.locator(".subject")).to_have_text(image_attack, timeout=LIVE_TIMEOUT_MS)
    row.get_by_role("button", name=f"Claim {reference}").click()
    expect(console.page.locator("#ticket-title")).to_have_text(reference)
    customer.say(script_attack)
    customer.say("זה עדיין לא עובד")

    expect(console.messages("customer").last).to_have_text("זה עדיין לא עובד", timeout=LIVE_TIMEOUT_MS)
    assert console.messages("customer").last.evaluate("node => getComputedStyle(node).direction") == "rtl"
    expect(console.messages("customer").filter(has_text=script_attack)).to_have_count(1)
    expect(console.messages("customer").filter(has_text=image_attack)).to_have_count(1)
    expect(console.page.locator(".ticket-subject")).to_have_text(image_attack)
    expect(console.page.locator(".ticket-details .description")).to_have_text(image_attack)
    assert console.page.locator("main img, main script").count() == 0
    console.page.wait_for_timeout(500)  # a broken image's onerror would have fired by now
    assert dialogs == []
    assert console.tab.console_errors == []


def test_presence_csrf_cookie_flags_and_logout(stack, open_page):
    email = new_agent(stack, "Lena Novak")
    console = AgentConsole.open(open_page, stack)
    console.log_in(email)
    cookie = console.session_cookie()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert console.page.evaluate("() => document.cookie").find("effortless_session") == -1
    http = requests.Session()
    http.cookies.set("effortless_session", cookie["value"])

    def my_presence() -> dict[str, object]:
        agents = http.get(f"{stack.helpdesk_url}/api/agents", timeout=10).json()
        return next(agent for agent in agents if agent["email"] == email)

    # Logging in means working: the console sets "online" right after login (a request of its own).
    stack.wait_for(lambda: my_presence()["presence"] == "online")
    assert my_presence()["online"] is True

    console.page.get_by_label("Your status").select_option("away")

    stack.wait_for(lambda: my_presence()["presence"] == "away")
    assert my_presence()["online"] is False  # the bot no longer counts this agent as available
    without_csrf = http.put(f"{stack.helpdesk_url}/api/agents/me/presence", json={"presence": "online"}, timeout=10)
    assert without_csrf.status_code == 403
    assert my_presence()["presence"] == "away"

    console.page.get_by_role("button", name="Log out").click()

    expect(console.page.get_by_role("heading", name="Agent console")).to_be_visible()
    expect(console.page.get_by_role("status").filter(has_text="You have logged out.")).to_be_visible()
    assert http.get(f"{stack.helpdesk_url}/api/auth/me", timeout=10).status_code == 401
    console.page.reload()
    expect(console.page.get_by_label("E-mail")).to_be_visible()
    assert console.tab.console_errors == []
