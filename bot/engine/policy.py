"""HandoffPolicy: while a person owns the conversation, the bot stays silent.

Rules cannot say "any intent", so this policy does: when the ``handoff_active`` slot is true,
every customer message is answered by ``action_relay_to_agent`` (which forwards it to the
agent) and nothing else. Messages the helpdesk injects (``EXTERNAL_*`` intents: agent
replies, agent joined, ticket resolved) and ``/restart`` still follow the normal rules.
"""
from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

RELAY_ACTION = "action_relay_to_agent"
HANDOFF_SLOT = "handoff_active"
PASS_THROUGH_INTENTS = frozenset({"restart", "session_start"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class HandoffPolicy(Policy):
    """Predicts the relay action for customer messages during a live handoff."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6) so an intent's rule never speaks over the agent.
        return {"priority": 7}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if self._should_relay(tracker) and RELAY_ACTION in domain.action_names_or_texts:
            probabilities[domain.index_for_action(RELAY_ACTION)] = 1.0
        elif tracker.latest_action_name == RELAY_ACTION:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _should_relay(tracker: DialogueStateTracker) -> bool:
        if not tracker.get_slot(HANDOFF_SLOT) or tracker.latest_action_name != ACTION_LISTEN_NAME:
            return False
        intent = (tracker.latest_message.intent or {}).get("name") or ""
        return not intent.startswith("EXTERNAL_") and intent not in PASS_THROUGH_INTENTS
