"""Which lines of a Rasa tracker a returning web customer is shown (bot/web/chat_history.py); the
route itself runs against real Rasa in tests/e2e/test_after_hours_return.py."""
from bot.web.chat_history import shown_lines


def bot(text=None, **data):
    return {"event": "bot", "text": text, "data": data}


def test_the_bot_and_agent_lines_in_order_with_buttons_and_agent_names():
    events = [
        {"event": "user", "text": "I want a human"},
        bot("Nobody is here right now.", buttons=[{"title": "Keep it", "payload": "/affirm"}]),
        {"event": "slot", "name": "handoff_active", "value": True},
        bot(None, custom={"data": {"text": "Your refund left today.", "from": "agent", "agent_name": "Avi"}}),
    ]

    assert shown_lines(events) == [
        {"index": 0, "from": "bot", "text": "Nobody is here right now.", "agent_name": None,
         "buttons": [{"title": "Keep it", "payload": "/affirm"}]},
        {"index": 1, "from": "agent", "text": "Your refund left today.", "agent_name": "Avi", "buttons": []},
    ]


def test_lines_the_widget_would_not_show_are_not_counted_and_junk_is_ignored():
    events = [bot(""), bot(None), "not an event", {"event": "bot", "data": "junk"},
              bot(None, buttons=[{"title": 1}]), bot("Hello")]
    assert [(line["index"], line["text"]) for line in shown_lines(events)] == [(0, "Hello")]
