"""Which tables hold customers' personal data, and what erase and retention do with it.

Every table of :mod:`bot.models` is listed, also those without customer data, and for the tables
whose rows stay (anonymised) every text column is either cleared, pseudonymised or named as kept:
tests/bot/privacy/test_tables.py fails when a table or text column is added without a decision here.

Rows that reports count stay, with their personal columns cleared and their conversation id
replaced by a pseudonym (:data:`PSEUDONYM_PREFIX` + random hex). One erase or one retention run
gives a conversation the same pseudonym in every table, so report counts (conversations,
containment, ratings per conversation) stay right; the pseudonym is random, so nothing leads
back to the conversation.
"""
from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, case, delete, func, literal, null, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Column

from bot.db import rows_changed
from bot.models import Base

PSEUDONYM_PREFIX = "anonymous:"
"""What an anonymised conversation id starts with (``anonymous:3f9a1c2b7d4e5f60``)."""


def new_pseudonym() -> str:
    return PSEUDONYM_PREFIX + secrets.token_hex(8)


class Treatment(str, enum.Enum):
    DELETE = "deleted"
    ANONYMISE = "anonymised"
    NONE = "not customer data"


def _emptied_if_set(column: Column) -> ColumnElement:
    """``''`` where there was text, NULL stays NULL: the text is gone, the count of non-empty ones stays."""
    return case((column.is_(None), null()), else_=literal(""))


@dataclass(frozen=True)
class TablePolicy:
    """What happens to one table's rows of a customer.

    ``owner``: how its rows are found — by their ``conversation_id``, their ``ticket_id``, or their
    ``customer_id`` (the customer's own records: changed only once none of their conversations is
    left, :func:`scrub_customers`); ``key`` names the column when it is not the usual one.
    ``cleared``: column → the value written (or a function of the column giving it).
    ``pseudonymised``: column → the template its conversation part sits in (``{}:`` for
    ``<conversation>:<escalation id>``), replaced by the pseudonym. ``kept``: text columns that
    hold nothing personal.
    """

    treatment: Treatment
    owner: str = "conversation"
    cleared: Mapping[str, Any] = field(default_factory=dict)
    pseudonymised: Mapping[str, str] = field(default_factory=dict)
    kept: frozenset[str] = frozenset()
    key: str = ""

    @property
    def owner_column(self) -> str:
        return self.key or OWNER_COLUMNS[self.owner]


OWNER_COLUMNS = {"conversation": "conversation_id", "ticket": "ticket_id", "customer": "customer_id"}
_REPORT_DIMENSIONS = frozenset({"channel", "language", "article_id", "resolved_by"})

POLICIES: dict[str, TablePolicy] = {
    # Ticket counts, reasons and response times stay in reports.
    "tickets": TablePolicy(
        Treatment.ANONYMISE,
        cleared={"customer_name": None, "customer_email": None, "subject": "", "description": "", "kb_attempts": [],
                 "unreachable_reason": None, "customer_id": None},
        pseudonymised={"conversation_id": "{}", "idempotency_key": "{}:"},
        kept=frozenset({"reference", "channel", "language", "reason", "priority", "status", "external_id", "backend"}),
    ),
    # The transcript, and its copies for the console's live view and for a ticket not yet created.
    "ticket_messages": TablePolicy(Treatment.DELETE, owner="ticket"),
    "helpdesk_events": TablePolicy(Treatment.DELETE, owner="ticket"),
    "escalation_requests": TablePolicy(Treatment.DELETE),
    # Which customer a conversation is, and whether a browser has it open; e-mail codes sent from it (hashes).
    "conversations": TablePolicy(Treatment.DELETE, key="id"),
    "verification_codes": TablePolicy(Treatment.DELETE),
    # E-mails about the conversation's tickets; the customer's others go with the customer.
    "email_messages": TablePolicy(Treatment.DELETE, owner="ticket"),
    # The customer's record stays as an empty shell (merges and old tickets may point at it); how they
    # were recognised goes; the merge audit keeps who merged what, not the merged record's details.
    "customers": TablePolicy(
        Treatment.ANONYMISE, owner="customer", key="id", cleared={"name": None, "email": None, "phone": None},
        kept=frozenset({"language"}),
    ),
    "customer_identities": TablePolicy(Treatment.DELETE, owner="customer"),
    "customer_merges": TablePolicy(
        Treatment.ANONYMISE, owner="customer", key="merged_customer_id", cleared={"reason": "", "details": {}},
    ),
    # KB answer, abstention and containment counts stay in reports.
    "kb_queries": TablePolicy(
        Treatment.ANONYMISE, cleared={"question": ""}, pseudonymised={"conversation_id": "{}"},
        kept=frozenset({"channel", "language", "article_id", "outcome", "query_key"}),  # query_key: random
    ),
    # Resolutions count in containment; scores and their splits stay, a comment's text goes but its count stays.
    "resolutions": TablePolicy(
        Treatment.ANONYMISE, pseudonymised={"conversation_id": "{}", "resolution_key": "kb:{}:"},
        kept=_REPORT_DIMENSIONS,
    ),
    "survey_ratings": TablePolicy(
        Treatment.ANONYMISE, cleared={"comment": _emptied_if_set, "customer_id": None},
        pseudonymised={"conversation_id": "{}"}, kept=_REPORT_DIMENSIONS | {"survey"},
    ),
    # Help-centre readers are anonymous: an article, a language and yes or no.
    "article_feedback": TablePolicy(Treatment.NONE),
    # The sync cursor stays, so old Zendesk replies are never sent to a chat again.
    "zendesk_tickets": TablePolicy(Treatment.ANONYMISE, cleared={"conversation_id": None}, kept=frozenset({"last_status"})),
    # Staff data: accounts, logins (token hashes), failed logins (under a hash), canned answers.
    "agents": TablePolicy(Treatment.NONE),
    "agent_sessions": TablePolicy(Treatment.NONE),
    "login_throttles": TablePolicy(Treatment.NONE),
    "saved_replies": TablePolicy(Treatment.NONE),
}


TRACKER_PLACE = "rasa tracker events"


def no_changes() -> dict[str, int]:
    """Rows changed per customer-data table, all zero: what erase and retention count into."""
    return {name: 0 for name, policy in POLICIES.items() if policy.treatment is not Treatment.NONE}


def change_lines(rows: Mapping[str, int], tracker_events: int, verb: str = "") -> list[str]:
    """One line per place, ``tickets: 1 anonymised``; ``verb`` goes before the treatment (``would be ``)."""
    lines = [f"{name}: {count} {verb}{POLICIES[name].treatment.value}" for name, count in rows.items()]
    return lines + [f"{TRACKER_PLACE}: {tracker_events} {verb}{Treatment.DELETE.value}"]


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def text_columns(table_: Table) -> set[str]:
    """Columns that can hold free text: strings, texts and JSON."""
    return {column.name for column in table_.columns if isinstance(column.type, (String, JSON))}


def _value(column: Column, value: Any) -> Any:
    return value(column) if callable(value) else value


def _with_conversation(column: Column, template: str, conversation_id: str, pseudonym: str) -> ColumnElement:
    """``column`` with the conversation id in its ``template`` position replaced by ``pseudonym``."""
    old, new = template.format(conversation_id), template.format(pseudonym)
    return case(
        (column.startswith(old, autoescape=True), literal(new) + func.substr(column, len(old) + 1)),
        else_=column,
    )


Condition = Callable[[Table], Any]
"""A further WHERE on a table's rows (retention: only old ones), given the table."""


def _anonymise(session: Session, table_: Table, conversation_id: str, pseudonym: str, where: Condition | None) -> int:
    policy = POLICIES[table_.name]
    values = {name: _value(table_.c[name], value) for name, value in policy.cleared.items()}
    values.update({name: _with_conversation(table_.c[name], template, conversation_id, pseudonym)
                   for name, template in policy.pseudonymised.items()})
    statement = update(table_).where(table_.c.conversation_id == conversation_id)
    if where is not None:
        statement = statement.where(where(table_))
    return rows_changed(session, statement.values(values).execution_options(synchronize_session=False))


def scrub_conversation(
    session: Session, conversation_id: str, pseudonym: str, where: Mapping[str, Condition] | None = None
) -> dict[str, int]:
    """Delete one conversation's transcripts and anonymise its counted rows, in the caller's
    transaction; returns the rows changed per table.

    ``where`` narrows a table's rows (table name → condition); the rows owned by a ticket follow the
    condition on ``tickets``. Without it, everything of the conversation goes (erase).
    """
    where = where or {}
    tickets = table("tickets")
    ticket_ids = select(tickets.c.id).where(tickets.c.conversation_id == conversation_id)
    if "tickets" in where:
        ticket_ids = ticket_ids.where(where["tickets"](tickets))
    changed: dict[str, int] = {}
    for name, policy in POLICIES.items():  # deletes first: they find ticket rows by the conversation id
        if policy.treatment is not Treatment.DELETE or policy.owner == "customer":
            continue
        table_ = table(name)
        if policy.owner == "ticket":
            statement = delete(table_).where(table_.c.ticket_id.in_(ticket_ids))
        else:
            statement = delete(table_).where(table_.c[policy.owner_column] == conversation_id)
            if name in where:
                statement = statement.where(where[name](table_))
        changed[name] = rows_changed(session, statement)
    for name, policy in POLICIES.items():
        if policy.treatment is Treatment.ANONYMISE and policy.owner != "customer":
            changed[name] = _anonymise(session, table(name), conversation_id, pseudonym, where.get(name))
    return changed


def scrub_customers(session: Session, customer_ids: Collection[int]) -> dict[str, int]:
    """Empty the records of customers none of whose conversations is left (``customer_ids`` includes
    the records merged into them), in the caller's transaction: their identities and e-mails go,
    the records stay without name, address or phone. Returns the rows changed per table."""
    ids = list(customer_ids)
    changed: dict[str, int] = {}
    if not ids:
        return changed
    email_messages = table("email_messages")
    changed["email_messages"] = rows_changed(session, delete(email_messages).where(email_messages.c.customer_id.in_(ids)))
    for name, policy in POLICIES.items():
        if policy.owner != "customer":
            continue
        table_ = table(name)
        owned = table_.c[policy.owner_column].in_(ids)
        if policy.treatment is Treatment.DELETE:
            changed[name] = rows_changed(session, delete(table_).where(owned))
        else:
            values = {column: _value(table_.c[column], value) for column, value in policy.cleared.items()}
            changed[name] = rows_changed(session, update(table_).where(owned).values(values)
                                         .execution_options(synchronize_session=False))
    return changed
