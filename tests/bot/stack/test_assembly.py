"""Start-up of the whole stack: one clear line for every reason it cannot start, the KB indexed before the
action server starts, and what Rasa is given."""
import logging
import os

import pytest

from bot.settings import load_settings, secret_values
from bot.stack.assembly import KbIndexing, check_ports, engine_endpoint_env, prepare, services, start_services
from bot.stack.supervisor import StackError
from tests.bot.kb.kb_articles import write_article
from tests.bot.stack.stack_env import closed_port, local_env

# --- ports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["RASA_PORT", "ACTION_PORT", "HELPDESK_PORT"])
def test_a_taken_port_is_one_line_naming_the_variable(tmp_path, listening_port, variable):
    settings = load_settings(local_env(tmp_path, **{variable: str(listening_port)}))

    with pytest.raises(StackError) as error:
        check_ports(settings)

    message = str(error.value)
    assert "\n" not in message
    assert f"port {listening_port} ({variable}) is already in use" in message
    assert f"set {variable} to a free port" in message


def test_free_ports_pass_the_check(tmp_path):
    check_ports(load_settings(local_env(tmp_path)))


def test_the_action_port_is_checked_on_the_action_servers_own_interface(tmp_path, listening_port):
    """The listener is on 127.0.0.1; Rasa and the helpdesk would use 127.0.0.2, the action server 127.0.0.1."""
    settings = load_settings(local_env(tmp_path, EFFORTLESS_HOST="127.0.0.2", ACTION_HOST="127.0.0.1",
                                       ACTION_PORT=str(listening_port)))

    with pytest.raises(StackError, match="ACTION_PORT"):
        check_ports(settings)


def test_prepare_checks_ports_before_touching_the_database(tmp_path, listening_port):
    var = tmp_path / "var"
    settings = load_settings(local_env(tmp_path, HELPDESK_PORT=str(listening_port)))

    with pytest.raises(StackError, match="HELPDESK_PORT"):
        prepare(settings, {})
    assert not (var / "effortless.db").exists()


# --- an unreachable database --------------------------------------------------------------------


def test_an_unreachable_database_stops_start_up_with_one_line(tmp_path):
    port = closed_port()
    url = f"postgresql://effortless:db-password-1@127.0.0.1:{port}/effortless"
    settings = load_settings(local_env(tmp_path, DATABASE_URL=url))

    with pytest.raises(StackError) as error:
        prepare(settings, {})

    message = str(error.value)
    assert "\n" not in message
    assert "unreachable" in message
    assert f"127.0.0.1:{port}" in message
    assert "db-password-1" not in message  # the password is masked


def test_an_unusable_sqlite_path_stops_start_up_with_one_line(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    settings = load_settings(local_env(tmp_path, DATABASE_URL=f"sqlite:///{blocker}/effortless.db"))

    with pytest.raises(StackError) as error:
        prepare(settings, {})

    message = str(error.value)
    assert "\n" not in message
    assert str(blocker) in message


# --- the knowledge base, indexed before the action server starts ---------------------------------


@pytest.fixture
def one_article_env(tmp_path) -> dict[str, str]:
    """The environment of a stack whose KB is one English article (lexical search: quick to index)."""
    write_article(tmp_path / "kb", "pw", "Reset your password", "en", ["I forgot my password", "reset password"])
    return {**os.environ, **local_env(tmp_path, KB_DIR=str(tmp_path / "kb"), KB_EMBEDDING_MODEL="none")}


def test_the_kb_index_is_built_into_its_cache_before_the_action_server_starts(tmp_path, one_article_env, caplog):
    env = one_article_env

    with caplog.at_level(logging.INFO, logger="effortless.stack"):
        KbIndexing(load_settings(env), env).wait()

    assert len(list((tmp_path / "var" / "kb" / "index").glob("*.pickle"))) == 1
    assert "kb index: KB indexed: 1 articles (en 1) in" in caplog.text


def test_a_broken_kb_file_is_logged_and_left_to_the_action_server(tmp_path, caplog):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "broken.md").write_text("no front matter")
    env = {**os.environ, **local_env(tmp_path, KB_DIR=str(tmp_path / "kb"), KB_EMBEDDING_MODEL="none")}

    with caplog.at_level(logging.INFO, logger="effortless.stack"):
        KbIndexing(load_settings(env), env).wait()  # start-up goes on

    assert "front matter missing" in caplog.text and "KB not indexed" in caplog.text
    assert "knowledge base ready" not in caplog.text
    assert not list((tmp_path / "var" / "kb" / "index").glob("*.pickle"))


class StartRecorder:
    """Stands in for the supervisor: notes each process it is asked to start, and whether the index was cached then."""

    def __init__(self, index_dir):
        self.index_dir, self.started = index_dir, []

    def start(self, service):
        self.started.append((service.name, any(self.index_dir.glob("*.pickle"))))


def test_rasa_and_the_helpdesk_start_while_the_kb_is_indexed_and_the_action_server_after(tmp_path, one_article_env,
                                                                                         caplog):
    # Rasa's model load and the index build overlap; the action server must find the index in the cache.
    env = one_article_env
    recorder = StartRecorder(tmp_path / "var" / "kb" / "index")

    with caplog.at_level(logging.INFO, logger="effortless.stack"):
        start_services(recorder, load_settings(env), tmp_path / "model.tar.gz", env)

    assert [name for name, _ in recorder.started] == ["rasa", "helpdesk", "actions"]
    assert recorder.started[-1] == ("actions", True)
    assert "knowledge base ready" in caplog.text


def test_an_index_build_still_running_when_start_up_fails_is_stopped(tmp_path, one_article_env):
    class FailingSupervisor:
        def start(self, service):
            raise StackError(f"{service.name} could not start")

    env = one_article_env
    started = []
    real_init = KbIndexing.__init__

    def remembered(self, *args):
        real_init(self, *args)
        started.append(self._process)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(KbIndexing, "__init__", remembered)
        with pytest.raises(StackError, match="rasa could not start"):
            start_services(FailingSupervisor(), load_settings(env), tmp_path / "model.tar.gz", env)

    [process] = started
    assert process.poll() is not None, "the build outlived the failed start-up"
    assert not list((tmp_path / "var" / "kb" / "index").glob("*.pickle"))


# --- what Rasa is given -----------------------------------------------------------------------


def test_the_production_profile_passes_the_redis_lock_store_to_rasa(tmp_path):
    settings = load_settings(local_env(tmp_path, EFFORTLESS_PROFILE="production",
                                       LOCK_STORE_URL="redis://:lock-pass@cache.internal:6380/4"))

    env = engine_endpoint_env(settings)

    assert env["ACTION_ENDPOINT_URL"] == settings.action_server_url
    assert env["ACTION_SERVER_TOKEN"] == settings.action_server_token
    assert env["TRACKER_STORE_URL"] == settings.tracker_store_url
    assert env["COMPANY_NAME"] == settings.company_name  # the company slot, set inside Rasa
    assert (env["LOCK_REDIS_HOST"], env["LOCK_REDIS_PORT"], env["LOCK_REDIS_PASSWORD"], env["LOCK_REDIS_DB"]) == (
        "cache.internal", "6380", "lock-pass", "4")


def test_the_local_profile_needs_no_redis(tmp_path):
    env = engine_endpoint_env(load_settings(local_env(tmp_path)))
    assert not any(name.startswith("LOCK_REDIS") for name in env)


def test_the_action_server_stays_on_loopback_when_rasa_and_the_helpdesk_are_exposed(tmp_path):
    settings = load_settings(local_env(tmp_path, EFFORTLESS_HOST="0.0.0.0"))

    by_name = {service.name: service for service in services(settings, tmp_path / "model.tar.gz", {})}

    assert by_name["actions"].health_url.startswith("http://127.0.0.1:")
    assert settings.action_server_url.startswith("http://127.0.0.1:")
    assert "0.0.0.0" in by_name["rasa"].argv and by_name["helpdesk"].url.startswith("http://0.0.0.0:")


def test_no_secret_is_on_any_command_line_and_rasa_gets_its_tokens_in_its_environment(tmp_path):
    settings = load_settings(local_env(tmp_path))

    stack = services(settings, tmp_path / "model.tar.gz", {})

    secrets = secret_values(settings)
    for service in stack:
        assert not [arg for arg in service.argv for secret in secrets if secret in arg], service.name
    rasa = next(service for service in stack if service.name == "rasa")
    assert rasa.argv[1:3] == ["-m", "bot.engine.serve"]
    assert (rasa.env["RASA_TOKEN"], rasa.env["ACTION_SERVER_TOKEN"]) == (settings.rasa_token, settings.action_server_token)
