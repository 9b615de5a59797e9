"""A process for the supervisor tests: ``toy_service.py PORT REFUSE_FILE`` answers ``/health`` on PORT,
and while REFUSE_FILE exists it refuses to start (prints why, exits with code 3) as a broken
deployment would."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet, so that the last line is the one about starting."""


if __name__ == "__main__":
    port, refuse_file = int(sys.argv[1]), Path(sys.argv[2])
    print("starting", flush=True)
    if refuse_file.exists():
        print(f"cannot start: {refuse_file.read_text()}", flush=True)
        sys.exit(3)
    print(f"serving on port {port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Health).serve_forever()
