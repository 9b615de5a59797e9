"""Help-centre searches wait on the action server from threads of their own: an action server that hangs holds
those, never the threads that serve the other pages and the agents' requests (the real app served by uvicorn
with two request threads, a stand-in action server that keeps its callers waiting)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from bot.db import migrate
from bot.helpcentre import search as search_module
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.helpcentre.conftest import ACTION_SERVER_TOKEN, write_help_kb
from tests.bot.helpdesk.standins import LiveHelpdesk, StandIn, wait_until

SEARCHES = 3  # more than the request threads (2), fewer than the help centre's own (4)


class UnavailableSearch(StandIn):
    def handle(self, method, path, query, headers, body):
        return 503, {"error": "the stand-in's index is not ready"}


def test_searches_held_by_a_hanging_action_server_hold_up_no_other_page(settings_env, tmp_path, monkeypatch):
    monkeypatch.setattr(search_module, "SEARCH_TIMEOUT_S", 60.0)  # held at the door, not given up on
    search = UnavailableSearch().start()
    settings = load_settings({
        **settings_env, "KB_DIR": str(write_help_kb(tmp_path / "kb")), "KB_EMBEDDING_MODEL": "",
        "ACTION_SERVER_URL": f"{search.base_url}/webhook", "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'help.db'}", "HELPDESK_THREADS": "2",
    })
    migrate(settings)
    app = create_app(settings)
    server = LiveHelpdesk(app).start()
    search.door.clear()
    try:
        with ThreadPoolExecutor(SEARCHES) as readers:
            searches = [readers.submit(requests.get, f"{server.base_url}/help/en/search",
                                       params={"q": "where is my order"}, timeout=30) for _ in range(SEARCHES)]
            wait_until(lambda: search.waiting == SEARCHES, what="the searches held at the action server")

            home = requests.get(f"{server.base_url}/help/en", timeout=10)
            assert home.status_code == 200
            assert not any(reader.done() for reader in searches)  # answered while every search was held

            search.door.set()
            answers = [reader.result() for reader in searches]
        assert [answer.status_code for answer in answers] == [503] * SEARCHES
        assert all("Search is unavailable right now." in answer.text for answer in answers)
    finally:
        search.door.set()
        server.stop()
        search.stop()
        app.state.engine.dispose()
