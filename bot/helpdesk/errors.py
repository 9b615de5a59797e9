"""Errors the service functions raise; the web layer turns each into its HTTP status and message."""

from __future__ import annotations


class HelpdeskError(Exception):
    """Base class: ``str(error)`` is the message shown to the caller."""

    status_code = 400


class NotFound(HelpdeskError):
    status_code = 404


class Forbidden(HelpdeskError):
    status_code = 403


class Conflict(HelpdeskError):
    """The request is valid but the ticket's state does not allow it (e.g. resolving twice)."""

    status_code = 409


class InvalidInput(HelpdeskError):
    status_code = 422


class Unauthorized(HelpdeskError):
    status_code = 401


class TooManyAttempts(HelpdeskError):
    """Login refused while this client address (or this account from it) is throttled after failures."""

    status_code = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


def extra_headers(error: HelpdeskError) -> dict | None:
    """HTTP headers that belong with this error (Retry-After on 429, WWW-Authenticate on 401)."""
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.retry_after_s)}
    if isinstance(error, Unauthorized):
        return {"WWW-Authenticate": "Bearer"}
    return None
