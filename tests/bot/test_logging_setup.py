"""One log format for every process, and secrets masked before a line is shown or stored."""
import copy
import io
import logging
import logging.config
import re

import pytest
import yaml

from bot.logging_setup import DATE_FORMAT, LOG_FORMAT, Redactor, logging_dict, rasa_line_to_common_format, write_config

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
    ("GET /conversations/1/tracker?TOKEN=abc&include_events=ALL", "GET /conversations/1/tracker?TOKEN=***&include_events=ALL"),
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
