"""A conversation's customer is found by its channel identity; records become one only on proof."""
import pytest

from bot.customers.store import (
    MergeRefused,
    channel_identity,
    customer_for_conversation,
    find_by_identity,
    link_proven_email,
    merge_customers,
)
from bot.db import make_engine, make_session_factory, migrate
from bot.models import Conversation, Customer, CustomerMerge
from bot.settings import load_settings


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session


def test_a_conversation_id_names_its_channel_identity():
    assert channel_identity("telegram:52") == ("telegram", "52")
    assert channel_identity("whatsapp:+420777") == ("whatsapp", "+420777")
    assert channel_identity("legacy-id") == ("conversation", "legacy-id")


def test_first_contact_creates_the_customer_and_the_conversation_once(session):
    first = customer_for_conversation(session, conversation_id="web:abc", channel="socketio", language="he")
    again = customer_for_conversation(session, conversation_id="web:abc", channel="socketio", language="he")
    assert first.id == again.id
    assert session.get(Conversation, "web:abc").customer_id == first.id
    assert find_by_identity(session, "web", "abc").id == first.id


def another_process_commits_after_first_call(monkeypatch, name: str, commit_rival_work):
    """Run ``commit_rival_work()`` (another process, its own session, committed) right after the first
    call of ``bot.customers.store.<name>``: as when two replicas meet a new conversation at once."""
    from bot.customers import store

    function = getattr(store, name)
    calls: list = []

    def then_the_rival(*args, **kwargs):
        result = function(*args, **kwargs)
        if not calls:
            calls.append(None)  # the rival's own calls are plain ones
            calls[0] = commit_rival_work()
        return result

    monkeypatch.setattr(store, name, then_the_rival)
    return calls


def committed_customer(sessions, *, identity: tuple[str, str] | None = None, conversation_id: str | None = None) -> int:
    """A customer record committed by a session of its own, holding ``identity`` and/or ``conversation_id``."""
    from bot.customers.store import add_identity

    with sessions() as other:
        customer = Customer(language="en")
        other.add(customer)
        other.flush()
        if identity:
            add_identity(other, customer, *identity, "channel")
        if conversation_id:
            other.add(Conversation(id=conversation_id, customer_id=customer.id, channel="socketio", language="en",
                                   open_sockets=0))
        other.commit()
        return customer.id


@pytest.fixture
def racing_sessions(empty_database_url, settings_env):
    """A session factory on a freshly migrated database of each kind: the races below are decided by
    each database's answer to "INSERT ... ON CONFLICT DO NOTHING" (and the test of those statements runs on both)."""
    migrate(load_settings({**settings_env, "DATABASE_URL": empty_database_url}))
    engine = make_engine(empty_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_an_identity_another_process_linked_first_is_theirs_and_no_spare_record_stays(monkeypatch, racing_sessions):
    rival = another_process_commits_after_first_call(
        monkeypatch, "find_by_identity",
        lambda: committed_customer(racing_sessions, identity=("whatsapp", "+420777000111")))

    with racing_sessions() as session:
        customer = customer_for_conversation(session, conversation_id="whatsapp:+420777000111", channel="twilio")
        session.commit()

        assert customer.id == rival[0]
        assert session.query(Customer).count() == 1  # the record this process began was dropped
        assert session.get(Conversation, "whatsapp:+420777000111").customer_id == rival[0]


def test_a_conversation_another_process_recorded_first_keeps_its_customer(monkeypatch, racing_sessions):
    committed_customer(racing_sessions, identity=("web", "abc"))  # known, so this process writes nothing before the race
    rival = another_process_commits_after_first_call(
        monkeypatch, "find_by_identity", lambda: committed_customer(racing_sessions, conversation_id="web:abc"))

    with racing_sessions() as session:
        customer = customer_for_conversation(session, conversation_id="web:abc", channel="socketio", language="cs")
        session.commit()

        assert customer.id == rival[0]
        conversation = session.get(Conversation, "web:abc")
        assert (conversation.customer_id, conversation.language) == (rival[0], "cs")  # this process's message counts


def test_a_first_contact_compiles_no_statement_once_one_has_run(racing_sessions, monkeypatch):
    """Every first contact (a KB question, a ticket, the web chat's presence) used to build and compile its two
    "insert if absent" statements again: SQLAlchemy keeps its dialects' on-conflict inserts out of its statement
    cache. Now the second customer's statements are all compiled ones, on SQLite and PostgreSQL."""
    from sqlalchemy.sql.compiler import SQLCompiler

    with racing_sessions() as session:
        customer_for_conversation(session, conversation_id="web:first", channel="socketio")
        compiled: list[str] = []
        compile_statement = SQLCompiler.__init__

        def counted(compiler, dialect, statement, *args, **kwargs):
            compiled.append(type(statement).__name__)
            compile_statement(compiler, dialect, statement, *args, **kwargs)

        monkeypatch.setattr(SQLCompiler, "__init__", counted)
        second = customer_for_conversation(session, conversation_id="web:second", channel="socketio")

        assert compiled == []
        assert find_by_identity(session, "web", "second").id == second.id
        assert session.get(Conversation, "web:second").customer_id == second.id


def test_a_whatsapp_number_is_proven_by_the_channel(session):
    customer = customer_for_conversation(session, conversation_id="whatsapp:+420777123456", channel="twilio")
    assert customer.phone == "+420777123456"


def test_two_channels_are_two_customers_until_one_proves_the_others_email(session):
    web = customer_for_conversation(session, conversation_id="web:abc", channel="socketio")
    web = link_proven_email(session, customer=web, email="Dana@Example.com", proof="code")
    telegram = customer_for_conversation(session, conversation_id="telegram:52", channel="telegram")
    assert telegram.id != web.id

    same = link_proven_email(session, customer=telegram, email="dana@example.com", proof="code")
    assert same.id == web.id
    assert customer_for_conversation(session, conversation_id="telegram:52", channel="telegram").id == web.id
    audit = session.query(CustomerMerge).one()
    assert (audit.kept_customer_id, audit.merged_customer_id, audit.agent_id) == (web.id, telegram.id, None)
    assert audit.details["conversations"] == 1


def test_an_agent_merge_moves_everything_and_fills_missing_details(session):
    kept = customer_for_conversation(session, conversation_id="web:a", channel="socketio")
    merged = customer_for_conversation(session, conversation_id="whatsapp:+1555", channel="twilio")
    merged.name = "Dana"
    merge_customers(session, kept=kept, merged=merged, agent_id=None, reason="same person")
    assert (kept.name, kept.phone) == ("Dana", "+1555")
    assert session.get(Customer, merged.id).merged_into_id == kept.id
    assert find_by_identity(session, "whatsapp", "+1555").id == kept.id
    with pytest.raises(MergeRefused):
        merge_customers(session, kept=kept, merged=merged, agent_id=None, reason="again")
