"""Agent accounts, passwords (argon2), logins and sessions.

Failed logins are throttled per client address and per account from an address
(:mod:`bot.helpdesk.login_throttle`), never by locking the account itself. A session token is
shown to its owner once; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.db import utcnow
from bot.helpdesk import events, login_throttle
from bot.helpdesk.errors import Conflict, InvalidInput, NotFound, Unauthorized
from bot.helpdesk.schemas import AgentOut, known_languages
from bot.helpdesk.text import normalize_email, one_line
from bot.models import Agent, AgentSession

SESSION_LIFETIME = timedelta(hours=12)
# Presence "online" counts only while the console keeps talking to us (its event stream does).
ONLINE_WINDOW = timedelta(minutes=2)
LAST_SEEN_RESOLUTION = timedelta(seconds=30)
MIN_PASSWORD_LENGTH = 8
ROLES = ("agent", "admin")
# Ids are 32-bit integers in the database; a larger id cannot exist (and must not reach the driver).
MAX_DB_ID = 2**31 - 1
BAD_CREDENTIALS = "wrong e-mail or password"

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$LdqZXVi41aAPBWv0XS5cFg$smrknpmnpxb0PSVb/UnlSCVatv0aqu/dH5VpE9Kdc0w"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spoken_languages(codes: Iterable[str]) -> list[str]:
    """The agent's language codes, checked (:func:`known_languages`); :class:`InvalidInput` says what is wrong."""
    try:
        return known_languages(codes)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def create_agent(
    session: Session, *, email: str, name: str, role: str, password: str, languages: Iterable[str] = ("en",)
) -> Agent:
    """A new active account; :class:`Conflict` when the e-mail is taken."""
    try:
        email = normalize_email(email)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    spoken = spoken_languages(languages)
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not name.strip():
        raise InvalidInput("the name must not be empty")
    if session.scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise Conflict(f"an agent with e-mail {email} already exists")
    agent = Agent(
        email=email, name=one_line(name, 200), role=role, password_hash=hash_password(password), languages=spoken
    )
    session.add(agent)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"an agent with e-mail {email} already exists") from None
    return agent


def authenticate(session: Session, *, email: str, password: str, address: str, now: datetime | None = None) -> Agent:
    """The agent for these credentials, tried from client ``address``; 401 with one generic message
    for any mismatch, 429 (before any password hashing) while this address or this account from it
    is throttled."""
    now = now or utcnow()
    account = email.strip().lower()
    login_throttle.check(session, account=account, address=address, now=now)
    agent = session.scalar(select(Agent).where(Agent.email == account))
    if agent is None or not agent.is_active:
        password_matches(_DUMMY_HASH, password)
    elif password_matches(agent.password_hash, password):
        login_throttle.record_success(session, account=account, address=address)
        return agent
    login_throttle.record_failure(session, account=account, address=address, now=now)
    raise Unauthorized(BAD_CREDENTIALS)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(session: Session, *, agent: Agent, now: datetime | None = None) -> tuple[str, AgentSession]:
    """A new session; returns the secret token (never stored) and the row (holding the CSRF token)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    agent_session = AgentSession(
        agent_id=agent.id,
        token_hash=_token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(agent_session)
    session.commit()
    return token, agent_session


# With its agent in the same query, and built once: every API request runs it (building a statement costs
# SQLAlchemy more than running it).
_SESSION_BY_TOKEN = select(AgentSession).options(joinedload(AgentSession.agent)).where(
    AgentSession.token_hash == bindparam("token_hash"))


def session_for_token(session: Session, *, token: str, now: datetime | None = None) -> AgentSession | None:
    """The live session of this token (not revoked, not expired, agent still active), else None."""
    now = now or utcnow()
    found = session.scalar(_SESSION_BY_TOKEN, {"token_hash": _token_hash(token)})
    if found is None or found.revoked_at is not None or found.expires_at <= now or not found.agent.is_active:
        return None
    return found


def revoke_session(session: Session, *, agent_session: AgentSession, now: datetime | None = None) -> None:
    agent_session.revoked_at = now or utcnow()
    session.commit()


def touch(session: Session, *, agent: Agent, now: datetime | None = None) -> None:
    """Record that the agent is active; written at most every :data:`LAST_SEEN_RESOLUTION`."""
    now = now or utcnow()
    if agent.last_seen_at is None or now - agent.last_seen_at >= LAST_SEEN_RESOLUTION:
        agent.last_seen_at = now
        session.commit()


def is_online(agent: Agent, now: datetime) -> bool:
    return (
        agent.is_active
        and agent.presence == "online"
        and agent.last_seen_at is not None
        and now - agent.last_seen_at < ONLINE_WINDOW
    )


def agent_view(agent: Agent, now: datetime | None = None) -> AgentOut:
    return AgentOut(
        id=agent.id,
        email=agent.email,
        name=agent.name,
        role=agent.role,
        presence=agent.presence,
        online=is_online(agent, now or utcnow()),
        is_active=agent.is_active,
        last_seen_at=agent.last_seen_at,
        languages=list(agent.languages),
    )


def set_presence(session: Session, *, agent: Agent, presence: str, now: datetime | None = None) -> Agent:
    now = now or utcnow()
    agent.presence = presence
    agent.last_seen_at = now
    events.record(session, kind="presence_changed", extra={"agent": agent_view(agent, now).model_dump(mode="json")})
    session.commit()
    return agent


def get_agent(session: Session, *, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id) if 0 < agent_id <= MAX_DB_ID else None
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent


def list_agents(session: Session) -> list:
    return list(session.scalars(select(Agent).order_by(Agent.name, Agent.id)))


def agent_by_email(session: Session, *, email: str) -> Agent:
    agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None:
        raise NotFound(f"no agent with e-mail {email.strip()}")
    return agent


def set_languages(session: Session, *, agent: Agent, languages: Iterable[str]) -> Agent:
    """Replace the languages the agent speaks (their own profile, an admin, or the CLI)."""
    agent.languages = spoken_languages(languages)
    session.commit()
    return agent


def update_agent(
    session: Session,
    *,
    agent_id: int,
    name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    languages: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Agent:
    """Rename, change the role or the languages, or (de)activate; deactivating ends the agent's sessions at once."""
    now = now or utcnow()
    spoken = None if languages is None else spoken_languages(languages)
    agent = get_agent(session, agent_id=agent_id)
    loses_admin = agent.role == "admin" and (is_active is False or role == "agent")
    if loses_admin and _active_admin_count(session) <= 1:
        raise Conflict("this is the last active admin; make another agent admin first")
    if name is not None:
        agent.name = one_line(name, 200)
    if spoken is not None:
        agent.languages = spoken
    if role is not None:
        agent.role = role
    if is_active is not None:
        agent.is_active = is_active
        if not is_active:
            agent.presence = "offline"
            session.execute(
                update(AgentSession)
                .where(AgentSession.agent_id == agent.id, AgentSession.revoked_at.is_(None))
                .values(revoked_at=now)
            )
    session.commit()
    return agent


def _active_admin_count(session: Session) -> int:
    return len(session.scalars(select(Agent.id).where(Agent.role == "admin", Agent.is_active.is_(True))).all())
