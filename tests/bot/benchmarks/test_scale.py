"""bench-scale's bookkeeping: the closed-loop clients and its command line."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.benchmarks.cli import scale_main
from bot.benchmarks.scale import ClosedLoop


class _Webhook(BaseHTTPRequestHandler):
    """Rasa's REST webhook as the load sees it: an answer, or a 500 for the message 'fail'."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        failing = body["message"] == "fail"
        self.send_response(500 if failing else 200)
        self.end_headers()
        self.wfile.write(json.dumps([] if failing else [{"text": "answer"}]).encode())

    def log_message(self, *_):
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_closed_loop_counts_answers_and_failures_only_while_counting(webhook):
    load = ClosedLoop(webhook, "token", ["a question", "fail"], clients=3)
    with load.running():
        time.sleep(0.3)
        assert load.latencies_s == [] and load.errors == []  # the warm-up is not counted
        load.counting.set()
        time.sleep(0.5)
    assert load.latencies_s and load.errors
    assert all(error.startswith("500") for error in load.errors)


@pytest.mark.parametrize("argv", [["--replicas", "one,two"], ["--replicas", "0,2"], ["--minutes", "0"],
                                  ["--clients", "0"]])
def test_bad_arguments_are_refused_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        scale_main(argv)
    assert exit_.value.code == 2
    assert "bench-scale: error:" in capsys.readouterr().err
