"""One-time codes prove an e-mail address: 6 digits, 10 minutes, 5 tries, rate-limited, stored only as a keyed hash."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.customers import verification
from bot.customers.store import customer_for_conversation, link_proven_email
from bot.customers.verification import (
    TooManyCodes,
    address_in,
    check_code,
    code_email,
    code_in,
    issue_code,
    ticket_viewer,
)
from bot.db import utcnow
from bot.models import CustomerMerge, EmailMessage, VerificationCode
from bot.settings import load_settings

T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def settings(tmp_path):
    return load_settings({"EFFORTLESS_VAR_DIR": str(tmp_path), "SMTP_URL": "smtp://127.0.0.1:2525",
                          "EMAIL_FROM": "Acme Support <support@acme.example>", "SESSION_SECRET": "pepper-for-tests"})


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


def issue(session, settings, conversation_id="web:a", email="dana@example.com", now=T0, language="en"):
    return issue_code(session, settings=settings, conversation_id=conversation_id, email=email, language=language, now=now)


def check(session, settings, answer, conversation_id="web:a", now=T0):
    return check_code(session, settings=settings, conversation_id=conversation_id, answer=answer,
                      channel="socketio", language="en", now=now)


@pytest.mark.parametrize(("text", "code"), [
    ("482915", "482915"), ("my code is 482 915", "482915"), ("482-915", "482915"),
    ("٤٨٢٩١٥", "482915"), ("הקוד: 482915", "482915"), ("kód je 482915, díky", "482915"), ("۴۸۲۹۱۵", "482915"),
])
def test_a_code_is_recognised_in_any_language_and_script(text, code):
    assert code_in(text) == code


@pytest.mark.parametrize(("text", "address"), [
    ("status of my tickets for Noa@Example.com?", "noa@example.com"), ("ما حالة تذاكر sara@example.com؟", "sara@example.com"),
    ("jana.novakova@seznam.cz.", "jana.novakova@seznam.cz"), ("<dana@example.com>, thanks", "dana@example.com"),
    ("noa at example dot com", None), ("a@example.com or b@example.com", None),
])
def test_the_address_in_a_message_even_at_the_end_of_a_sentence(text, address):
    assert address_in(text) == address


@pytest.mark.parametrize("text", ["", "48291", "4829150", "482915 and 123456", "call 777 123 456", "no code"])
def test_anything_else_is_not_a_code(text):
    assert code_in(text) is None


def test_only_a_keyed_hash_of_the_code_is_stored_and_the_code_is_mailed(session, settings):
    issued = issue(session, settings, language="cs")
    row = session.scalars(select(VerificationCode)).one()
    assert len(issued.code) == 6 and issued.code.isdigit()
    assert issued.code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash != verification.hashlib.sha256(issued.code.encode()).hexdigest()  # peppered
    assert (row.email, row.expires_at) == ("dana@example.com", T0 + timedelta(minutes=10))
    mail = session.get(EmailMessage, issued.email_message_id)
    assert (mail.kind, mail.to_address, mail.status) == ("verification", "dana@example.com", "pending")
    assert issued.code in mail.body and "Zadejte ho do chatu" in mail.body


def test_the_right_code_proves_the_address_once(session, settings):
    customer = customer_for_conversation(session, conversation_id="web:a", channel="socketio")
    issued = issue(session, settings, email="Dana@Example.com")
    assert check(session, settings, f"it's {issued.code}").outcome == "verified"
    assert customer.email == "dana@example.com"
    viewer = ticket_viewer(session, conversation_id="web:a", channel="socketio", language="en")
    assert (viewer.customer_id, viewer.verified, viewer.verified_email) == (customer.id, True, "dana@example.com")
    assert check(session, settings, issued.code).outcome == "no_code"  # spent


def test_proving_an_address_another_record_proved_merges_the_two(session, settings):
    telegram = customer_for_conversation(session, conversation_id="telegram:52", channel="telegram")
    link_proven_email(session, customer=telegram, email="dana@example.com", proof="code")
    customer_for_conversation(session, conversation_id="web:a", channel="socketio")
    issued = issue(session, settings)
    assert check(session, settings, issued.code).outcome == "verified"
    viewer = ticket_viewer(session, conversation_id="web:a", channel="socketio", language="en")
    assert viewer.customer_id == telegram.id
    assert session.scalars(select(CustomerMerge)).one().kept_customer_id == telegram.id


def test_wrong_answers_count_down_and_the_fifth_spends_the_code(session, settings):
    customer = customer_for_conversation(session, conversation_id="web:a", channel="socketio")
    issued = issue(session, settings)
    wrong = "000000" if issued.code != "000000" else "111111"
    assert [check(session, settings, wrong).tries_left for _ in range(4)] == [4, 3, 2, 1]
    assert (check(session, settings, "no digits here").outcome, check(session, settings, "48").tries_left) == ("not_a_code", 1)
    assert check(session, settings, wrong).outcome == "used_up"
    assert check(session, settings, issued.code).outcome == "used_up"
    assert customer.email is None


def test_an_expired_code_proves_nothing(session, settings):
    issued = issue(session, settings)
    assert check(session, settings, issued.code, now=T0 + timedelta(minutes=10)).outcome == "expired"
    assert check(session, settings, issued.code, now=T0 + timedelta(minutes=1)).outcome == "no_code"
    assert check(session, settings, issued.code, conversation_id="web:other").outcome == "no_code"


def test_a_new_code_spends_the_older_one(session, settings):
    first = issue(session, settings)
    second = issue(session, settings, now=T0 + timedelta(minutes=1))
    if first.code != second.code:
        assert check(session, settings, first.code, now=T0 + timedelta(minutes=2)).outcome == "wrong"
    assert check(session, settings, second.code, now=T0 + timedelta(minutes=2)).outcome == "verified"


def test_three_codes_per_conversation_per_15_minutes(session, settings):
    for minute in range(3):
        issue(session, settings, email=f"a{minute}@example.com", now=T0 + timedelta(minutes=minute))
    with pytest.raises(TooManyCodes) as refused:
        issue(session, settings, email="b@example.com", now=T0 + timedelta(minutes=5))
    assert (refused.value.scope, refused.value.wait_minutes) == ("conversation", 10)
    issue(session, settings, email="b@example.com", now=T0 + timedelta(minutes=15, seconds=1))


def test_five_codes_per_address_per_hour_whatever_the_conversation(session, settings):
    for n in range(5):
        issue(session, settings, conversation_id=f"web:{n}", now=T0 + timedelta(minutes=n))
    with pytest.raises(TooManyCodes) as refused:
        issue(session, settings, conversation_id="web:new", now=T0 + timedelta(minutes=30))
    assert (refused.value.scope, refused.value.wait_minutes) == ("address", 30)


def test_with_email_off_no_code_exists(session, tmp_path):
    off = load_settings({"EFFORTLESS_VAR_DIR": str(tmp_path)})
    with pytest.raises(RuntimeError, match="e-mail is off"):
        issue(session, off)


@pytest.mark.parametrize("language", ["en", "he", "ar", "cs"])
def test_the_code_email_is_in_the_customers_language(language):
    subject, body = code_email(language, "482915", "Acme")
    assert subject.startswith("Acme: ") and "482915" in body and "10" in body
    assert (subject, body) != code_email("en" if language != "en" else "cs", "482915", "Acme")
