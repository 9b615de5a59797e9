"""One log format for every process, and secrets and personal data masked before a line is shown or stored."""
import copy
import io
import logging
import logging.config
import re

import pytest
import yaml

from bot.logging_setup import (
    DATE_FORMAT,
    EMAIL_MASK,
    LOG_FORMAT,
    PHONE_MASK,
    Redactor,
    logging_dict,
    rasa_line_to_common_format,
    write_config,
)

COMMON_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: .*$")


# --- Redactor -------------------------------------------------------------------------------


def test_known_secrets_are_masked_wherever_they_appear():
    redact = Redactor(["s3cr3t-service-token", "db-password-1"])

    line = redact("calling http://helpdesk/api with s3cr3t-service-token; dsn=postgresql://u:db-password-1@db/x")

    assert "s3cr3t-service-token" not in line
    assert "db-password-1" not in line
    assert line == "calling http://helpdesk/api with ***; dsn=postgresql://u:***@db/x"


def test_a_secret_containing_another_is_masked_whole():
    redact = Redactor(["abcdef", "abcdef-longer-secret"])
    assert redact("token abcdef-longer-secret end") == "token *** end"


def test_short_and_empty_secrets_are_ignored_so_ordinary_words_survive():
    redact = Redactor(["", "abc"])  # e.g. unset settings, or a 3-letter test password
    assert redact("abc is fine") == "abc is fine"


@pytest.mark.parametrize("line, expected", [
    ("GET /status?token=abc123XYZ HTTP/1.1", "GET /status?token=*** HTTP/1.1"),
    ("POST /model/parse?TOKEN=abc&emulation_mode=rasa", "POST /model/parse?TOKEN=***&emulation_mode=rasa"),
    ("url=https://api.telegram.org/x?auth_token=t0k3n", "url=https://api.telegram.org/x?auth_token=***"),
    ("login password=hunter22 user=dana", "login password=*** user=dana"),
    ('{"url": "http://x/?secret=shh"}', '{"url": "http://x/?secret=***"}'),
    ("tokens=3 used", "tokens=3 used"),
])
def test_token_query_parameters_are_masked(line, expected):
    assert Redactor([])(line) == expected


@pytest.mark.parametrize("line, expected", [
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_-+/=", "Authorization: Bearer ***"),
    ("headers={'Authorization': 'Bearer abc.def'}", "headers={'Authorization': 'Bearer ***'}"),
])
def test_bearer_tokens_are_masked(line, expected):
    assert Redactor([])(line) == expected


@pytest.mark.parametrize("line", [
    "",
    "plain message with no secrets",
    "שלום, אני צריך עזרה עם ההזמנה",
    "مرحبا، أحتاج مساعدة",
    "Dobrý den, potřebuji pomoc 😀",
    "<script>alert('x')</script>",
    "'; DROP TABLE tickets; --",
])
def test_lines_without_secrets_are_unchanged(line):
    assert Redactor(["some-secret-value"])(line) == line


def test_a_huge_line_is_redacted_completely():
    line = ("filler " * 15_000) + "token=abcdef " + "s3cr3t-value " * 10
    redacted = Redactor(["s3cr3t-value"])(line)
    assert "abcdef" not in redacted
    assert "s3cr3t-value" not in redacted
    assert redacted.startswith("filler filler")


# --- personal data: e-mail addresses, phone numbers, conversation ids -----------------------


@pytest.mark.parametrize("line, expected", [
    ("escalated for noa@example.com", f"escalated for {EMAIL_MASK}"),
    ("from NOA.Cohen+tag@Example.co.uk.", f"from {EMAIL_MASK}."),
    ('{"customer_email": "dana_o\'hara@mail.example.org"}', f'{{"customer_email": "{EMAIL_MASK}"}}'),
    ("{'email': 'noa@example.com'}", f"{{'email': '{EMAIL_MASK}'}}"),
    ("GET /api/tickets?email=noa%40example.com HTTP/1.1", f"GET /api/tickets?email={EMAIL_MASK} HTTP/1.1"),
    ("mailto:jiří@příklad.cz", f"mailto:{EMAIL_MASK}"),
    ("call me on +1 (555) 123-4567 please", f"call me on {PHONE_MASK} please"),
    ("+15551234567", PHONE_MASK),
    ("+44 20 7946 0958", PHONE_MASK),
    ("+972-54-123-4567", PHONE_MASK),
    ("my number is 020 7946 0958", f"my number is {PHONE_MASK}"),
    ("054-123-4567", PHONE_MASK),
    ("06 12 34 56 78", PHONE_MASK),
    ("(555) 123-4567", PHONE_MASK),
    ("555-123-4567", PHONE_MASK),
])
def test_emails_and_phone_numbers_are_masked(line, expected):
    assert Redactor([])(line) == expected


@pytest.mark.parametrize("line", [
    "ticket T-1042 resolved, order 1182, reference #35436892",
    "2026-01-05T09:15:02Z INFO rasa.core.processor: ready",
    "event at 1733061234.5678 (epoch ms 1733061234567) in 2026-01-05 09:15:02+00:00, UTC+02:00",
    "listening on http://127.0.0.1:5005 and [::1]:8000, port 65535",
    "rasa 3.6.21, SQLAlchemy 2.0.58, Python 3.10.12, model 20260105-091502-sparse-glade.tar.gz",
    "request 550e8400-e29b-41d4-a716-446655440000 took 1234.5 ms, 2000000 bytes, HTTP 413",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "a score of +1234567 and a date 01-05-2026, offset +0200",
    "Zendesk ticket 35436 synced; 12 of 15 lines delivered",
    "bot.engine.channels.telegram: Could not register the Telegram webhook",
    "channels: rest, socketio, telegram, callback",
    "the rest: nothing to do",
    "postgresql://app:***@db:5432/effortless is unreachable",
    "conversation started",
    "delivering message 12 to Rasa failed (attempt 3): HTTP 503",
    "a message from Rasa to the action server",
])
def test_numbers_and_words_that_are_not_personal_data_stay(line):
    assert Redactor(["a-secret-value"])(line) == line


def test_conversation_ids_become_one_stable_pseudonym_per_conversation():
    redact = Redactor(["s3cr3t-service-token"])

    lines = [
        redact("the helpdesk refused the ticket for telegram:123456789."),
        redact("POST /conversations/telegram%3A123456789/trigger_intent?token=abc HTTP/1.1"),
        redact("Could not deliver a message to Telegram chat 123456789: Forbidden: bot was blocked by the user"),
    ]

    assert all("123456789" not in line for line in lines)
    pseudonym = redact.pseudonym("123456789")
    assert lines == [
        f"the helpdesk refused the ticket for telegram:{pseudonym}.",
        f"POST /conversations/telegram:{pseudonym}/trigger_intent?token=*** HTTP/1.1",
        f"Could not deliver a message to Telegram chat {pseudonym}: Forbidden: bot was blocked by the user",
    ]
    assert pseudonym.startswith("~") and len(pseudonym) == 9


def test_a_whatsapp_conversation_id_hides_the_phone_number():
    redact = Redactor([])
    line = redact("Could not deliver a WhatsApp message to whatsapp:+15551234567 through Twilio: 63016")

    assert "5551234567" not in line
    assert line == f"Could not deliver a WhatsApp message to whatsapp:{redact.pseudonym('+15551234567')} through Twilio: 63016"


@pytest.mark.parametrize("line, identifier", [
    ("sender_id=cb-0a1b2c3d", "cb-0a1b2c3d"),
    ('{"conversation_id": "rest-42"}', "rest-42"),
    ("recipient: 9876543210", "9876543210"),
    ("GET /conversations/5f3e2b9ac01d/tracker", "5f3e2b9ac01d"),
    ("Ignored an empty web message from web:9f86d081884c7d659a2feaa0c55ad015", "9f86d081884c7d659a2feaa0c55ad015"),
    ("Could not deliver a Messenger message to 1234567890123456: (#551) unavailable", "1234567890123456"),
    ("The bot failed to handle a callback message from cb-0a1b2c3d4e", "cb-0a1b2c3d4e"),
    ("The callback URL refused a message for 55512: status 410", "55512"),
])
def test_ids_named_by_the_word_before_them_or_a_rasa_path_are_pseudonymised(line, identifier):
    redact = Redactor([])
    assert redact(line) == line.replace(identifier, redact.pseudonym(identifier))


def test_pseudonyms_depend_on_the_key_and_not_on_the_moment():
    same_secrets = Redactor(["s3cr3t-service-token"]), Redactor(["s3cr3t-service-token"])
    other = Redactor(["another-secret-token"])

    assert same_secrets[0].pseudonym("+15551234567") == same_secrets[1].pseudonym("+15551234567")
    assert other.pseudonym("+15551234567") != same_secrets[0].pseudonym("+15551234567")
    assert Redactor([]).pseudonym("+15551234567") != Redactor([]).pseudonym("+15551234567")  # random key


def test_a_line_is_redacted_once_and_redacting_it_again_changes_nothing():
    redact = Redactor([])
    line = redact("chat telegram:42424242 from noa@example.com, +972 54 123 4567")
    assert redact(line) == line
    assert line.count("~") == 1


# --- Rasa's coloredlogs lines ---------------------------------------------------------------


def test_a_rasa_line_is_rewritten_into_the_common_format():
    line = "2026-01-05 09:15:02 INFO     rasa.core.processor  - Loading model models/effortless-1.tar.gz..."

    converted = rasa_line_to_common_format(line)

    assert converted == "2026-01-05T09:15:02Z INFO rasa.core.processor: Loading model models/effortless-1.tar.gz..."
    assert COMMON_LINE.match(converted)


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
def test_every_level_is_converted(level):
    converted = rasa_line_to_common_format(f"2026-01-05 09:15:02 {level:<8} rasa.server  - x - y")
    assert converted == f"2026-01-05T09:15:02Z {level} rasa.server: x - y"


@pytest.mark.parametrize("line", [
    "",
    "Traceback (most recent call last):",
    '  File "/x/rasa/core/agent.py", line 1, in load',
    "2026-01-05T09:15:02Z INFO effortless.stack: already in the common format",
    "/x/site-packages/sanic/app.py:1: DeprecationWarning: something",
    "2026-01-05 09:15:02 NOTICE   rasa.server  - unknown level",
])
def test_other_lines_are_left_alone(line):
    assert rasa_line_to_common_format(line) == line


# --- the logging configuration --------------------------------------------------------------


@pytest.fixture
def restore_logging():
    """dictConfig changes process-wide state; put it back for the other tests."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "alembic"]
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers),
                    logging.getLogger(name).propagate) for name in names}
    yield
    for name, (level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def test_logging_dict_configures_one_format_for_every_logger(restore_logging):
    stream = io.StringIO()
    config = copy.deepcopy(logging_dict("INFO"))
    config["handlers"]["console"]["stream"] = stream

    logging.config.dictConfig(config)
    logging.getLogger("effortless.test").info("hello %s", "world")
    logging.getLogger("effortless.test").debug("not shown at INFO")
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("uvicorn.access").info("GET /health 200")  # access lines only from WARNING
    logging.getLogger("alembic.runtime.migration").info("Running upgrade")  # alembic chatter hidden

    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert all(COMMON_LINE.match(line) for line in lines)
    assert lines[0].endswith("INFO effortless.test: hello world")
    assert lines[1].endswith("INFO uvicorn.error: Started server process")


def test_logging_dict_honours_the_level(restore_logging):
    stream = io.StringIO()
    config = copy.deepcopy(logging_dict("WARNING"))
    config["handlers"]["console"]["stream"] = stream

    logging.config.dictConfig(config)
    logging.getLogger("effortless.test").info("quiet")
    logging.getLogger("effortless.test").warning("loud")

    assert stream.getvalue().count("\n") == 1
    assert "WARNING effortless.test: loud" in stream.getvalue()


def test_logging_dict_uses_only_stdlib_classes_so_rasa_can_load_it():
    config = logging_dict("INFO")
    classes = [handler["class"] for handler in config["handlers"].values()]
    assert all(name.startswith("logging.") for name in classes)
    assert config["formatters"]["default"] == {"format": LOG_FORMAT, "datefmt": DATE_FORMAT}


def test_write_config_round_trips_through_yaml(tmp_path, restore_logging):
    path = write_config(tmp_path / "nested" / "logging.yml", logging_dict("DEBUG"))

    loaded = yaml.safe_load(path.read_text())

    assert loaded == logging_dict("DEBUG")
    logging.config.dictConfig(loaded)  # the file Rasa reads is a valid configuration
    assert logging.getLogger().level == logging.DEBUG
