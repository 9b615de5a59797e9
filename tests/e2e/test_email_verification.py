"""Ticket status only for the owner, on the real stack with e-mail on: the one-time code goes through a real
SMTP server (aiosmtpd), and only the inbox's owner can type it back.

Noa opens a ticket (the address typed in the escalation form proves nothing), then proves the address
with a code. Someone else who types Noa's address, or her ticket reference, sees none of her tickets: the
code goes to Noa's inbox. Noa, writing from another chat, proves the address again and sees the ticket.
"""
import re
import uuid

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.helpers import AgentClient, Customer
from tests.e2e.standins import StandIns
from tests.helpers.smtp import SmtpServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ticket_of_noa(mail_stack: Stack, standins: StandIns, smtp: SmtpServer) -> str:
    AgentClient.new_online_agent(mail_stack, f"agent-{uuid.uuid4().hex[:6]}@example.com", "Dana")
    noa = Customer(mail_stack, standins)
    reference = re.search(r"T-\d+", noa.escalate(r"your ticket is T-\d+")).group(0)
    noa.say("/restart")  # back to the bot (the handoff would relay everything to the agent)
    noa.wait_for_text("start over")
    prove_address(mail_stack, noa, smtp, "what are my tickets for noa@example.com?", "noa@example.com")
    assert "waiting for an agent" in noa.wait_for_text(f"{reference} —")
    return reference


def prove_address(stack: Stack, customer: Customer, smtp: SmtpServer, question: str, address: str) -> None:
    """Ask about ``address``'s tickets, take the offered code and type it back."""
    before = len(codes_sent_to(smtp, address))
    customer.say(question)
    customer.wait_for_text("I first need to confirm it's yours")
    customer.say("yes")
    customer.wait_for_text(f"type the 6-digit code I sent to {address}")
    code = stack.wait_for(lambda: codes_sent_to(smtp, address)[before:], timeout=20)[0]
    customer.say(f"the code is {code[:3]} {code[3:]}")
    customer.wait_for_text(f"{address} is confirmed as yours")


def codes_sent_to(smtp: SmtpServer, address: str) -> list[str]:
    return [re.search(r"\b(\d{6})\b", mail.get_content()).group(1)
            for mail in smtp.messages if mail["To"] == address and "verification code" in mail["Subject"]]


def test_another_customer_typing_the_address_or_the_reference_sees_nothing(mail_stack, standins, smtp, ticket_of_noa):
    stranger = Customer(mail_stack, standins)
    stranger.say("what's the status of the tickets for noa@example.com")
    stranger.wait_for_text("I first need to confirm it's yours")
    stranger.say("yes")
    stranger.wait_for_text("type the 6-digit code I sent to noa@example.com")
    sent = mail_stack.wait_for(lambda: codes_sent_to(smtp, "noa@example.com"), timeout=20)
    wrong = "000000" if sent[-1] != "000000" else "111111"
    stranger.say(wrong)
    stranger.wait_for_text("isn't right. Tries left: 4")
    stranger.say("cancel")
    stranger.wait_for_text("I won't check the address")

    # Noa's reference gets what a reference that does not exist gets: it is named, nothing of the ticket is shown.
    stranger.say(f"any update on {ticket_of_noa}?")
    stranger.wait_for_text(f"I can't find ticket {ticket_of_noa} among")
    stranger.wait_for_text("I'll ask for the address")
    assert not any(f"{ticket_of_noa} —" in text for text in stranger.texts())


def test_the_owner_proves_the_address_in_another_chat_and_sees_the_ticket(mail_stack, standins, smtp, ticket_of_noa):
    noa_again = Customer(mail_stack, standins)  # a new chat: nothing links it to the first one yet
    noa_again.say("what's the status of my ticket?")
    noa_again.wait_for_text("can't find a ticket")
    noa_again.wait_for_text("I'll ask for the address")  # the offer says an address will be asked for
    noa_again.say("yes")
    noa_again.wait_for_text("Which e-mail address")
    before = len(codes_sent_to(smtp, "noa@example.com"))
    noa_again.say("noa@example.com")
    noa_again.wait_for_text("type the 6-digit code")
    code = mail_stack.wait_for(lambda: codes_sent_to(smtp, "noa@example.com")[before:], timeout=20)[0]
    noa_again.say(code)
    noa_again.wait_for_text("noa@example.com is confirmed as yours")
    assert "waiting for an agent" in noa_again.wait_for_text(f"{ticket_of_noa} —")
