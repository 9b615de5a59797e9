"""bot/engine/shown_lines.py in the engine env, with Rasa's own tracker and events: a triggered intent for
a helpdesk line the conversation already shows does not run; every other trigger runs as Rasa's would
(Rasa's own trigger is replaced by a recorder, so the scenarios need no trained model)."""
from __future__ import annotations

import pytest

from tests.helpers.engine_scripts import engine_script_result

SCENARIOS = r"""
import asyncio, json

from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

ran = []

async def rasa_trigger(processor, intent_name, entities, tracker, output_channel):
    ran.append(entities)

MessageProcessor.trigger_external_user_uttered = rasa_trigger
from bot.engine import shown_lines
shown_lines.install()
shown_lines.install()  # a second install wraps nothing twice


def line(line_id):
    return UserUttered.create_external("EXTERNAL_agent_message", [{"entity": "delivery_line_id", "value": line_id}])


def tracker(*events):
    return DialogueStateTracker.from_events("callback:c1", [UserUttered("hello"), BotUttered("Hi!"), *events])


async def trigger(entities, conversation):
    ran.clear()
    await MessageProcessor.trigger_external_user_uttered(None, "EXTERNAL_agent_message", entities, conversation, None)
    return len(ran)


async def main():
    shown = tracker(line(7), ActionExecuted("action_deliver_agent_message"), BotUttered("Omer: on its way"))
    not_shown = tracker(line(7), ActionExecuted("action_deliver_agent_message"))
    answered_customer = tracker(line(7), UserUttered("thanks"), BotUttered("You're welcome"))
    print(json.dumps({
        "shown": await trigger({"agent_message": "on its way", "delivery_line_id": 7}, shown),
        "another_line": await trigger({"agent_message": "on its way", "delivery_line_id": 8}, shown),
        "not_shown": await trigger({"agent_message": "on its way", "delivery_line_id": 7}, not_shown),
        "bot_answered_the_customer": await trigger({"delivery_line_id": 7}, answered_customer),
        "without_line_id": await trigger({"agent_message": "on its way"}, shown),
        "shown_as_entity_list": await trigger([{"entity": "delivery_line_id", "value": 7}], shown),
        "another_line_as_entity_list": await trigger([{"entity": "delivery_line_id", "value": 8}], shown),
        "entity_list_without_line_id": await trigger([{"entity": "agent_message", "value": "hi"}], shown),
    }))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def runs() -> dict:
    return engine_script_result(SCENARIOS)


def test_a_line_the_conversation_already_shows_does_not_run_again(runs):
    assert runs["shown"] == 0


def test_a_trigger_listing_its_entities_is_checked_the_same_way(runs):
    assert runs["shown_as_entity_list"] == 0
    assert runs["another_line_as_entity_list"] == 1


def test_another_line_and_a_line_whose_earlier_try_showed_nothing_run(runs):
    assert runs["another_line"] == 1
    assert runs["not_shown"] == 1
    assert runs["bot_answered_the_customer"] == 1  # the bot's message answered the customer, not the line


def test_triggers_without_a_line_id_run_as_in_rasa(runs):
    assert runs["without_line_id"] == 1
    assert runs["entity_list_without_line_id"] == 1
