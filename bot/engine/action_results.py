"""Rasa's check of each action-server response, with its JSON schema compiled once instead of per call.

Rasa 3.6 (``RemoteAction._validate_action_result``) calls ``jsonschema.validate(result, schema)`` on
every custom action's response. That function first checks the *schema itself* against the JSON
Schema 2020-12 metaschema, which jsonschema 4.17 walks through ``$dynamicRef``: half of the Rasa
process's time in a knowledge-base turn went there (docs/performance.md). The schema never changes,
so :func:`install` checks it once and keeps the validator; each response is still validated in full,
and a bad one still raises the same ``ValidationError`` with Rasa's explanation.

It imports ``jsonschema``, beyond the engine's usual rasa / sanic / socketio: the very library Rasa
uses (and pins) for this check, so the engine env has exactly that version.
"""
from __future__ import annotations

from typing import Any

from jsonschema import exceptions, validators  # type: ignore[import-untyped]  # Rasa ships no stubs for it
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


class ActionResultValidator:
    """``RemoteAction``'s response check: the same schema and error, one compiled validator."""

    def __init__(self) -> None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validators.validator_for(schema)  # what jsonschema.validate would pick
        validator_class.check_schema(schema)
        self._validator = validator_class(schema)

    def __call__(self, result: dict[str, Any]) -> bool:
        error = exceptions.best_match(self._validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from the Action "
                f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True


def install() -> None:
    """Make every ``RemoteAction`` of this process use one :class:`ActionResultValidator`."""
    if not callable(getattr(RemoteAction, "_validate_action_result", None)):
        raise RuntimeError("this Rasa has no RemoteAction._validate_action_result: bot/engine/action_results.py "
                           "must follow its new version")
    validator = ActionResultValidator()

    def validate_action_result(action: RemoteAction, result: dict[str, Any]) -> bool:
        return validator(result)

    RemoteAction._validate_action_result = validate_action_result
