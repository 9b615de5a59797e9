"""Settings come from environment variables: documented defaults, every variable parsed, and a
clear error naming the variable for every value that cannot be used."""
import os
import stat
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import DOC_COMMAND, DOC_PATH, PROJECT_ROOT, SettingsError, configuration_markdown, load_settings, secret_values


@pytest.fixture
def env(tmp_path: Path) -> dict:
    return {"EFFORTLESS_VAR_DIR": str(tmp_path / "var")}


def test_defaults_give_a_working_laptop_install(env, tmp_path):
    settings = load_settings(env)

    var = (tmp_path / "var").resolve()
    assert settings.var_dir == var
    assert settings.database_url == f"sqlite:///{var / 'effortless.db'}"
    assert settings.tracker_store_url == f"sqlite:///{var / 'rasa_tracker.db'}"
    assert settings.lock_store_url == "redis://127.0.0.1:6379/1"
    assert (settings.host, settings.rasa_port, settings.action_port, settings.helpdesk_port) == ("127.0.0.1", 5005, 5055, 8000)
    assert settings.rasa_url == settings.public_rasa_url == "http://127.0.0.1:5005"
    assert settings.helpdesk_url == settings.public_helpdesk_url == "http://127.0.0.1:8000"
    assert settings.action_server_url == "http://127.0.0.1:5055/webhook"
    assert settings.action_host == "127.0.0.1"
    assert settings.restart_limit_per_minute == 5
    assert (settings.helpdesk_workers, settings.helpdesk_threads) == (1, 8)
    assert settings.profile == "local"
    assert settings.log_level == "INFO"
    assert settings.log_dir == var / "log"
    assert settings.company_name == "Acme"
    assert settings.kb_dir == PROJECT_ROOT / "data" / "kb"
    assert settings.kb_embedding_model == "all-MiniLM-L6-v2"
    assert settings.ticket_backend == "builtin"
    assert (settings.http_timeout_s, settings.http_retries) == (5.0, 3)
    assert settings.business_hours == "Mon-Fri 09:00-17:00"
    assert settings.business_timezone == "UTC"
    assert settings.always_human_topics == PROJECT_ROOT / "data" / "always_human_topics.yml"
    assert settings.priority_rules == "frustration=high,sensitive_topic=high"
    assert settings.ces_ask_after == "both"
    assert settings.ces_low_score_threshold == 3
    assert settings.cookie_secure is False


def test_every_variable_is_read(tmp_path):
    env = {
        "EFFORTLESS_VAR_DIR": str(tmp_path / "elsewhere"),
        "EFFORTLESS_HOST": "0.0.0.0",
        "ACTION_HOST": "10.0.0.7",
        "RASA_PORT": "6005",
        "ACTION_PORT": "6055",
        "HELPDESK_PORT": " 9000 ",
        "HELPDESK_WORKERS": "3",
        "HELPDESK_THREADS": "16",
        "DATABASE_URL": "postgresql://effortless:pw@db.internal:5432/effortless",
        "TRACKER_STORE_URL": "postgresql://rasa:pw2@db.internal/tracker",
        "LOCK_STORE_URL": "redis://cache:6379/2",
        "RASA_URL": "http://rasa.internal:6005/",
        "PUBLIC_RASA_URL": "https://chat.example.com/",
        "ACTION_SERVER_URL": "http://actions.internal:6055/webhook",
        "HELPDESK_URL": "http://helpdesk.internal:9000/",
        "PUBLIC_HELPDESK_URL": "https://help.example.com/",
        "RASA_TOKEN": "rasa-token-123",
        "HELPDESK_SERVICE_TOKEN": "service-token-123",
        "SESSION_SECRET": "session-secret-123",
        "ACTION_SERVER_TOKEN": "action-token-123",
        "WEB_CHAT_SECRET": "web-chat-secret-123",
        "REST_CHANNEL_TOKEN": "rest-token-123",
        "MAX_MESSAGE_CHARS": "2000",
        "ACTION_SERVER_WAIT_S": "30",
        "EFFORTLESS_PROFILE": "Production",
        "LOG_LEVEL": "debug",
        "LOG_DIR": str(tmp_path / "logs"),
        "COMPANY_NAME": "Globex",
        "KB_DIR": str(tmp_path / "kb"),
        "KB_EMBEDDING_MODEL": "sentence-transformers/all-MiniLM-L6-v2",
        "TICKET_BACKEND": "ZenDesk",
        "ZENDESK_URL": "https://globex.zendesk.com/",
        "ZENDESK_EMAIL": "bot@globex.example",
        "ZENDESK_API_TOKEN": "zendesk-token-123",
        "HTTP_TIMEOUT_S": "2.5",
        "HTTP_RETRIES": "0",
        "BUSINESS_HOURS": "24/7",
        "BUSINESS_TIMEZONE": "Asia/Jerusalem",
        "ALWAYS_HUMAN_TOPICS": str(tmp_path / "topics.yml"),
        "PRIORITY_RULES": "frustration=urgent",
        "CES_ASK_AFTER": "Agent",
        "CES_LOW_SCORE_THRESHOLD": "2",
        "COOKIE_SECURE": "yes",
        "RESTART_LIMIT_PER_MINUTE": "0",
    }
    settings = load_settings(env)

    assert settings.var_dir == (tmp_path / "elsewhere").resolve()
    assert (settings.host, settings.action_host) == ("0.0.0.0", "10.0.0.7")
    assert (settings.rasa_port, settings.action_port, settings.helpdesk_port) == (6005, 6055, 9000)
    assert (settings.helpdesk_workers, settings.helpdesk_threads) == (3, 16)
    assert settings.database_url == env["DATABASE_URL"]
    assert settings.tracker_store_url == env["TRACKER_STORE_URL"]
    assert settings.lock_store_url == env["LOCK_STORE_URL"]
    # Trailing slashes are dropped so paths can be appended.
    assert settings.rasa_url == "http://rasa.internal:6005"
    assert settings.public_rasa_url == "https://chat.example.com"
    assert settings.action_server_url == env["ACTION_SERVER_URL"]
    assert settings.helpdesk_url == "http://helpdesk.internal:9000"
    assert settings.public_helpdesk_url == "https://help.example.com"
    assert (settings.rasa_token, settings.service_token, settings.session_secret) == (
        "rasa-token-123", "service-token-123", "session-secret-123")
    assert settings.action_server_token == "action-token-123"
    assert (settings.web_chat_secret, settings.rest_channel_token) == ("web-chat-secret-123", "rest-token-123")
    assert (settings.max_message_chars, settings.action_server_wait_s) == (2000, 30.0)
    assert settings.restart_limit_per_minute == 0
    assert settings.profile == "production"
    assert settings.log_level == "DEBUG"
    assert settings.log_dir == tmp_path / "logs"
    assert settings.company_name == "Globex"
    assert settings.kb_dir == tmp_path / "kb"
    assert settings.kb_embedding_model == env["KB_EMBEDDING_MODEL"]
    assert settings.ticket_backend == "zendesk"
    assert settings.zendesk_url == "https://globex.zendesk.com"
    assert (settings.zendesk_email, settings.zendesk_api_token) == ("bot@globex.example", "zendesk-token-123")
    assert (settings.http_timeout_s, settings.http_retries) == (2.5, 0)
    assert (settings.business_hours, settings.business_timezone) == ("24/7", "Asia/Jerusalem")
    assert settings.always_human_topics == tmp_path / "topics.yml"
    assert settings.priority_rules == "frustration=urgent"
    assert settings.ces_ask_after == "agent"
    assert settings.ces_low_score_threshold == 2
    assert settings.cookie_secure is True
    # Nothing was generated: production passes its secrets in.
    assert not (tmp_path / "elsewhere" / "secrets").exists()


@pytest.mark.parametrize("value, expected", [
    (None, "all-MiniLM-L6-v2"), ("none", ""), ("NONE", ""), ("", ""), (" /srv/models/mine ", "/srv/models/mine"),
])
def test_the_embedding_model_is_on_unless_set_to_none_or_empty(env, value, expected):
    """Empty keeps meaning lexical-only, as it did when lexical was the default."""
    settings = load_settings(env if value is None else {**env, "KB_EMBEDDING_MODEL": value})

    assert settings.kb_embedding_model == expected


def test_urls_follow_host_and_ports_when_not_given(env):
    settings = load_settings({**env, "EFFORTLESS_HOST": "10.0.0.5", "RASA_PORT": "7005", "ACTION_PORT": "7055",
                              "HELPDESK_PORT": "7000"})

    assert settings.rasa_url == settings.public_rasa_url == "http://10.0.0.5:7005"
    assert settings.helpdesk_url == settings.public_helpdesk_url == "http://10.0.0.5:7000"
    # The action server stays on loopback: only Rasa calls it.
    assert settings.action_server_url == "http://127.0.0.1:7055/webhook"
    assert load_settings({**env, "ACTION_HOST": "10.0.0.6"}).action_server_url == "http://10.0.0.6:5055/webhook"


@pytest.mark.parametrize("database_url, value, expected", [
    ("", None, False), ("postgresql+psycopg2://effortless@db/effortless", None, True),
    ("", "true", True), ("postgresql+psycopg2://effortless@db/effortless", "false", False),
])
def test_lines_go_from_a_delivery_process_on_postgresql_unless_set(env, database_url, value, expected):
    chosen = {"DATABASE_URL": database_url, "DELIVERY_PROCESS": value or ""}

    assert load_settings({**env, **chosen}).delivery_process is expected


def test_empty_variables_mean_the_default(env):
    empty = {name: "" for name in ("RASA_PORT", "HTTP_TIMEOUT_S", "HTTP_RETRIES", "CES_ASK_AFTER", "TICKET_BACKEND",
                                   "CES_LOW_SCORE_THRESHOLD", "COOKIE_SECURE", "LOG_LEVEL", "EFFORTLESS_PROFILE")}
    settings = load_settings({**env, **empty})

    assert (settings.rasa_port, settings.http_timeout_s, settings.http_retries) == (5005, 5.0, 3)
    assert (settings.ces_ask_after, settings.ticket_backend, settings.ces_low_score_threshold) == ("both", "builtin", 3)
    assert (settings.cookie_secure, settings.log_level, settings.profile) == (False, "INFO", "local")


@pytest.mark.parametrize("value, expected", [("1", True), ("TRUE", True), ("on", True), ("0", False), ("No", False), ("off", False)])
def test_cookie_secure_accepts_the_usual_spellings(env, value, expected):
    assert load_settings({**env, "COOKIE_SECURE": value}).cookie_secure is expected


@pytest.mark.parametrize("variable, value", [
    ("RASA_PORT", "0"),
    ("RASA_PORT", "65536"),
    ("ACTION_PORT", "-1"),
    ("HELPDESK_PORT", "99999"),
    ("HELPDESK_PORT", "eighty"),
    ("RASA_PORT", "5005.5"),
    ("ACTION_PORT", "٥٠٥٥x"),
    ("HTTP_RETRIES", "three"),
    ("HTTP_RETRIES", "-1"),
    ("HTTP_TIMEOUT_S", "soon"),
    ("HTTP_TIMEOUT_S", "0"),
    ("HTTP_TIMEOUT_S", "-5"),
    ("HTTP_TIMEOUT_S", "nan"),
    ("HTTP_TIMEOUT_S", "inf"),
    ("CES_ASK_AFTER", "sometimes"),
    ("TICKET_BACKEND", "jira"),
    ("CES_LOW_SCORE_THRESHOLD", "0"),
    ("CES_LOW_SCORE_THRESHOLD", "8"),
    ("CES_LOW_SCORE_THRESHOLD", "low"),
    ("COOKIE_SECURE", "maybe"),
    ("LOG_LEVEL", "verbose"),
    ("EFFORTLESS_PROFILE", "prodution"),
    ("RESTART_LIMIT_PER_MINUTE", "-1"),
    ("RESTART_LIMIT_PER_MINUTE", "61"),
    ("RESTART_LIMIT_PER_MINUTE", "often"),
    ("HELPDESK_THREADS", "0"),
    ("HELPDESK_THREADS", "257"),
    ("HELPDESK_THREADS", "many"),
])
def test_unusable_values_are_refused_naming_the_variable(env, variable, value):
    with pytest.raises(SettingsError) as error:
        load_settings({**env, variable: value})

    message = str(error.value)
    assert message.startswith(variable)
    assert value.strip().lower() in message.lower()  # the value as given (some settings are case-insensitive)
    assert "\n" not in message


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "'; DROP TABLE tickets; --", "x" * 100_000, "🚀🚀"])
def test_hostile_values_in_a_number_setting_are_refused_not_crashed_on(env, value):
    with pytest.raises(SettingsError, match="^RASA_PORT must be a whole number"):
        load_settings({**env, "RASA_PORT": value})


def test_an_unusable_setting_generates_no_secret(env, tmp_path):
    with pytest.raises(SettingsError):
        load_settings({**env, "CES_ASK_AFTER": "sometimes"})

    assert not (tmp_path / "var" / "secrets").exists()


def test_settings_are_immutable_and_copied_with_changes(env, tmp_path):
    settings = load_settings(env)
    with pytest.raises(ValidationError):
        settings.kb_dir = tmp_path  # type: ignore[misc]

    changed = settings.model_copy(update={"kb_dir": tmp_path / "kb"})

    assert (changed.kb_dir, settings.kb_dir) == (tmp_path / "kb", PROJECT_ROOT / "data" / "kb")
    assert changed.rasa_token == settings.rasa_token


def test_generated_secrets_are_private_files_created_once_and_reused(env, tmp_path):
    first = load_settings(env)
    secrets_dir = tmp_path / "var" / "secrets"

    files = {path.name: path for path in secrets_dir.iterdir()}
    assert sorted(files) == ["action_server_token", "rasa_token", "service_token", "session_secret", "web_chat_secret"]
    for path in files.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len({first.rasa_token, first.service_token, first.action_server_token, first.session_secret}) == 4
    assert all(len(secret) >= 32 for secret in (first.rasa_token, first.service_token, first.session_secret))
    assert files["rasa_token"].read_text() == first.rasa_token

    again = load_settings(env)
    assert (again.rasa_token, again.service_token, again.session_secret) == (
        first.rasa_token, first.service_token, first.session_secret)
    assert sorted(p.name for p in secrets_dir.iterdir()) == sorted(files)  # no drafts left behind


def test_processes_starting_together_agree_on_one_secret(env, tmp_path):
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_settings(env).service_token)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert set(results) == {(tmp_path / "var" / "secrets" / "service_token").read_text()}


def test_an_environment_secret_wins_over_the_file(env, tmp_path):
    generated = load_settings(env).rasa_token
    assert load_settings({**env, "RASA_TOKEN": "from-the-environment"}).rasa_token == "from-the-environment"
    assert (tmp_path / "var" / "secrets" / "rasa_token").read_text() == generated


def test_secrets_are_left_out_of_the_repr(env):
    settings = load_settings({**env, "RASA_TOKEN": "rasa-token-123", "ZENDESK_API_TOKEN": "zendesk-token-123"})
    assert "rasa-token-123" not in repr(settings)
    assert "zendesk-token-123" not in repr(settings)
    assert settings.service_token not in repr(settings)


def test_secret_values_include_tokens_and_url_passwords(env):
    settings = load_settings({
        **env,
        "RASA_TOKEN": "rasa-token-123",
        "ZENDESK_API_TOKEN": "zendesk-token-123",
        "DATABASE_URL": "postgresql://effortless:db-password-1@db:5432/effortless",
        "TRACKER_STORE_URL": "postgresql://rasa:tracker-password-2@db/tracker",
        "LOCK_STORE_URL": "redis://:redis-password-3@cache:6379/1",
    })

    values = secret_values(settings)

    for secret in ("rasa-token-123", "zendesk-token-123", settings.service_token, settings.session_secret,
                   settings.action_server_token, "db-password-1", "tracker-password-2", "redis-password-3"):
        assert secret in values
    assert "effortless" not in values  # user names are not secrets


def test_secret_values_skip_unset_secrets_and_unparseable_urls(env):
    settings = load_settings({**env, "DATABASE_URL": "postgresql://[::1:5432/x"})

    values = secret_values(settings)

    assert "" not in values
    assert None not in values
    assert settings.rasa_token in values


def test_the_process_environment_is_the_default_source(monkeypatch, tmp_path):
    monkeypatch.setenv("EFFORTLESS_VAR_DIR", str(tmp_path / "from-os"))
    monkeypatch.setenv("COMPANY_NAME", "Initech")
    settings = load_settings()
    assert settings.company_name == "Initech"
    assert settings.var_dir == (tmp_path / "from-os").resolve()
    assert os.environ["COMPANY_NAME"] == "Initech"  # read, never changed


def test_the_configuration_page_is_generated_from_the_settings():
    """docs/configuration.md lists every variable with its default and meaning, as declared in bot/settings.py."""
    text = configuration_markdown()
    for variable in ("RASA_PORT", "DATABASE_URL", "KB_EMBEDDING_MODEL", "ZENDESK_WEBHOOK_SECRET", "SESSION_SECRET",
                     "CES_LOW_SCORE_THRESHOLD", "SOCKETIO_REDIS_URL"):
        assert f"| `{variable}` |" in text
    assert DOC_PATH.read_text(encoding="utf-8") == text, (
        f"{DOC_PATH.relative_to(PROJECT_ROOT)} differs from the settings declarations: run `{DOC_COMMAND}`")
