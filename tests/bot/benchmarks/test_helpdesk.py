"""bench-helpdesk: a bad --think gets a usage message before anything starts; its Rasa stand-in answers as
Rasa does, on kept-alive connections."""

from __future__ import annotations

import pytest
import requests

from bot.benchmarks.cli import helpdesk_main
from bot.benchmarks.helpdesk import AcceptingRasa
from bot.helpdesk.rasa_bridge import bot_answered


@pytest.mark.parametrize("think", ["soon", "6-2", "-1-3", "2-x"])
def test_a_think_range_that_is_not_min_max_seconds_is_refused(think, capsys):
    with pytest.raises(SystemExit) as exited:
        helpdesk_main(["--think", think])
    assert exited.value.code == 2
    assert "--think" in capsys.readouterr().err


def test_the_rasa_stand_in_answers_as_rasa_does_on_one_kept_alive_connection():
    rasa = AcceptingRasa()
    try:
        with requests.Session() as http:
            answers = [http.post(f"{rasa.url}/conversations/c{n}/trigger_intent", json={"name": "EXTERNAL_agent_message"},
                                 timeout=10) for n in range(3)]
    finally:
        rasa.stop()
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(bot_answered(answer) for answer in answers)  # what the helpdesk's bridge counts as delivered
    assert (rasa.count, rasa.connections) == (3, 1)
