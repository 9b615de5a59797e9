"""One-click survey ratings from the resolution e-mail: signed links, and recording what they say.

A link is ``PUBLIC_HELPDESK_URL/rate/<token>?score=N``. The token names the resolution and when the
link expires, signed with an HMAC of ``SESSION_SECRET`` under a label of its own (so no other
signature of that secret can pass for one): nobody can rate a resolution they were not sent, and
the link carries nothing private.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from bot.ces.store import RatingOutcome, record_rating
from bot.db import utcnow
from bot.models import Resolution
from bot.settings import Settings

LINK_VALID_DAYS = 14
PURPOSE = b"effortless/ces-email-rating/v1\n"
CHANNEL = "email"


class InvalidRatingLink(ValueError):
    """The token was not signed by us (forged, altered, cut short)."""


class ExpiredRatingLink(ValueError):
    """A genuine token, past its date."""


def _signature(settings: Settings, payload: str) -> str:
    digest = hmac.new(settings.session_secret.encode(), PURPOSE + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def rating_token(settings: Settings, resolution_id: int, *, now: datetime | None = None) -> str:
    expires = int(((now or utcnow()) + timedelta(days=LINK_VALID_DAYS)).timestamp())
    payload = f"{resolution_id}.{expires}"
    return f"{payload}.{_signature(settings, payload)}"


def rating_url(settings: Settings, resolution_id: int, score: int, *, now: datetime | None = None) -> str:
    return f"{settings.public_helpdesk_url.rstrip('/')}/rate/{rating_token(settings, resolution_id, now=now)}?score={score}"


def resolution_of(settings: Settings, token: str, *, now: datetime | None = None) -> int:
    """The resolution id a token was signed for; :class:`InvalidRatingLink` or :class:`ExpiredRatingLink`."""
    parts = token.split(".")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()) or len(token) > 200:
        raise InvalidRatingLink("not a rating link")
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(settings, payload), parts[2]):
        raise InvalidRatingLink("the signature does not match")
    if datetime.fromtimestamp(int(parts[1]), timezone.utc) < (now or utcnow()):
        raise ExpiredRatingLink("the link has expired")
    return int(parts[0])


def record_email_rating(session: Session, *, resolution_id: int, score: int, survey: str) -> RatingOutcome:
    """Store the ``survey`` score of a signed link's resolution once (channel ``email``); a second answer is
    :attr:`RatingOutcome.ALREADY_RATED` and changes nothing, like a second answer in the chat."""
    resolution = session.get(Resolution, resolution_id)
    if resolution is None:
        return RatingOutcome.UNKNOWN_RESOLUTION
    return record_rating(session, resolution_id=resolution_id, conversation_id=resolution.conversation_id,
                         score=score, channel=CHANNEL, survey=survey)
