"""Rasa's check of each action-server response, with its JSON schema compiled once instead of per call.

Rasa 3.6 (``RemoteAction._validate_action_result``) calls ``jsonschema.validate(result, schema)`` on
every custom action's response. That function first checks the *schema itself* against the JSON
Schema 2020-12 metaschema, which jsonschema 4.17 walks through ``$dynamicRef``: half of the Rasa
process's time in a knowledge-base turn went there (docs/performance.md). The schema never changes,
so :func:`install` checks it once and keeps the validator; each response is still validated in full,
and a bad one still raises the same ``ValidationError`` with Rasa's explanation.

Each event is also checked against its own kind's schema only. The event schema is a ``oneOf`` over
23 kinds, each fixing ``event`` to a different constant, so an event is valid exactly when the common
part and the one kind named by its ``event`` accept it: the same answer without trying all 23 kinds
(a quarter of Rasa's share of a KB turn's action call). Anything that check does not accept goes to
the full validator, which gives Rasa's own error.

It imports ``jsonschema``, beyond the engine's usual rasa / sanic / socketio: the very library Rasa
uses (and pins) for this check, so the engine env has exactly that version.
"""
from __future__ import annotations

from typing import Any

from jsonschema import exceptions, validators  # type: ignore[import-untyped]  # Rasa ships no stubs for it
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


class ActionResultValidator:
    """``RemoteAction``'s response check: the same schema and error, compiled once."""

    def __init__(self) -> None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validators.validator_for(schema)  # what jsonschema.validate would pick
        validator_class.check_schema(schema)
        self._validator = validator_class(schema)
        event_schema = schema["properties"]["events"]["items"]
        envelope = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
        self._envelope = validator_class(envelope)
        self._event_kinds = {
            kind: validator_class({**event_schema, "oneOf": [kind_schema]})
            for kind, kind_schema in _kinds_by_event_name(event_schema["oneOf"]).items()
        }

    def accepts_by_kind(self, result: Any) -> bool:
        """Whether the response is valid, checking each event against its own kind only."""
        if not self._envelope.is_valid(result):
            return False
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            kind = self._event_kinds.get(name) if isinstance(name, str) else None
            if kind is None or not kind.is_valid(event):
                return False
        return True

    def __call__(self, result: dict[str, Any]) -> bool:
        if self.accepts_by_kind(result):
            return True
        error = exceptions.best_match(self._validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from the Action "
                f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True


def _kinds_by_event_name(kinds: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each kind's schema by the ``event`` constant it requires; a kind without one, or sharing its
    constant with another, is left out (its events take the full check)."""
    names = [kind.get("properties", {}).get("event", {}).get("const") for kind in kinds]
    return {name: kind for name, kind in zip(names, kinds, strict=True) if isinstance(name, str) and names.count(name) == 1}


def install() -> None:
    """Make every ``RemoteAction`` of this process use one :class:`ActionResultValidator`."""
    if not callable(getattr(RemoteAction, "_validate_action_result", None)):
        raise RuntimeError("this Rasa has no RemoteAction._validate_action_result: bot/engine/action_results.py "
                           "must follow its new version")
    validator = ActionResultValidator()

    def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
        return validator(result)

    RemoteAction._validate_action_result = validate_action_result
