"""Loopback stand-ins for the services the helpdesk calls, and a live helpdesk server.

- :class:`RasaStandIn` — Rasa's ``POST /conversations/{id}/trigger_intent`` (token checked),
  recording every accepted call; ``status`` makes it answer an error instead.
- :class:`ZendeskStandIn` — the part of Zendesk's Tickets and Search API the backend uses, checking
  API-token basic auth and the payload shape as Zendesk documents them.
- :class:`LiveHelpdesk` — the real app under uvicorn in a thread, for tests that need real HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import uvicorn

from tests.helpers.postgres import free_port

Reply = tuple[int, Any]


class StandIn:
    """A JSON HTTP server on 127.0.0.1 in a daemon thread; subclasses implement :meth:`handle`."""

    decodes_path = True  # hand :meth:`handle` the percent-decoded path

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server: ThreadingHTTPServer | None = None
        self.door = threading.Event()  # cleared: requests wait at it until it is set again (a service that hangs)
        self.door.set()
        self._waiting = 0
        self._waiting_lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """How many requests wait at the closed :attr:`door`."""
        return self._waiting

    def _pass_the_door(self) -> None:
        if self.door.is_set():
            return
        with self._waiting_lock:
            self._waiting += 1
        self.door.wait(60)
        with self._waiting_lock:
            self._waiting -= 1

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        raise NotImplementedError

    def start(self) -> StandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in._pass_the_door()
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body = json.loads(raw) if raw else None
                path = unquote(parts.path) if stand_in.decodes_path else parts.path
                status, payload = stand_in.handle(self.command, path, query, dict(self.headers), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def wait_until(condition: Callable[[], Any], timeout_s: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout_s} s")


class RasaStandIn(StandIn):
    decodes_path = False  # like Rasa's router: a conversation id sent as "telegram%3A42" is another conversation

    def __init__(self, token: str, port: int | None = None):
        super().__init__(port)
        self.token = token
        self.status = 200  # set to e.g. 503 or 400 to make Rasa refuse
        # conversation id → (status, message): how Rasa answers for that conversation only, e.g. a
        # connector's "recipient unreachable: ..." wrapped as Rasa does (HTTP 500)
        self.refuse_for: dict[str, tuple[int, str]] = {}
        self.tries: list[str] = []  # every conversation id asked for, refused or not
        self.silent = False  # accept, but the bot says nothing (as when Rasa cannot reach the action server)
        self.delay_s = 0.0  # a slow Rasa, so concurrent senders overlap
        self.calls: list[dict[str, Any]] = []  # accepted calls, in arrival order
        self.refused = 0
        self.events: dict[str, list[dict[str, Any]]] = {}  # conversation id → its tracker's events

    def handle(self, method, path, query, headers, body) -> Reply:
        segments = path.strip("/").split("/")
        if query.get("token") != self.token:
            return 401, {"status": "failure", "reason": "NotAuthenticated"}
        if method == "GET" and len(segments) == 3 and segments[0] == "conversations" and segments[2] == "tracker":
            return 200, {"sender_id": segments[1], "events": self.events.get(segments[1], [])}
        time.sleep(self.delay_s)
        if method != "POST" or len(segments) != 3 or segments[0] != "conversations" or segments[2] != "trigger_intent":
            return 404, {"error": "not found"}
        self.tries.append(segments[1])
        if segments[1] in self.refuse_for:
            status, message = self.refuse_for[segments[1]]
            return status, {"status": "failure", "reason": "ConversationError", "message": message, "code": status}
        if self.status != 200:
            self.refused += 1
            return self.status, {"status": "failure", "message": "stand-in told to fail"}
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("name"), str)
            or not isinstance(body.get("entities"), dict)
        ):
            return 400, {"status": "failure", "message": "body must be {name, entities}"}
        self.calls.append(
            {
                "conversation_id": segments[1],
                "intent": body["name"],
                "entities": body["entities"],
                "output_channel": query.get("output_channel"),
            }
        )
        # What Rasa answers: the conversation's events, the triggered intent and what the bot said.
        entities = [{"entity": name, "value": value} for name, value in body["entities"].items()]
        events = self.events.setdefault(segments[1], [])
        events.append({"event": "user", "text": f"EXTERNAL: {body['name']}",
                       "parse_data": {"intent": {"name": body["name"]}, "entities": entities}})
        if not self.silent:
            events.append({"event": "bot", "text": "(the action's message)"})
        return 200, {"tracker": {"sender_id": segments[1], "events": list(events)}, "messages": []}

    def intents(self, conversation_id: str) -> list[str]:
        return [call["intent"] for call in self.calls if call["conversation_id"] == conversation_id]


class ZendeskStandIn(StandIn):
    """Zendesk's Tickets API as documented: /api/v2/tickets.json, /tickets/{id}.json, /search.json,
    /tickets/{id}/comments.json (with ``include=users``, paged by ``next_page``) and /users/me.json.

    Agents answer with :meth:`agent_comment` and change the status with :meth:`set_status`, as they
    would in Zendesk's agent workspace; :func:`zendesk_signature` signs the webhook Zendesk would send.
    """

    PRIORITIES = ("urgent", "high", "normal", "low")
    API_USER_ID = 9001

    def __init__(self, email: str, api_token: str):
        super().__init__()
        self.expected_auth = "Basic " + base64.b64encode(f"{email}/token:{api_token}".encode()).decode()
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {
            self.API_USER_ID: {"id": self.API_USER_ID, "name": "Acme bot", "email": email, "role": "admin"}
        }
        self.comments_page_size = 100
        self.requests: list[tuple[str, str]] = []
        self.fail_next = 0  # answer this many requests with 503 first
        self.delay_s = 0.0
        self._idempotency: dict[str, int] = {}
        self._lock = threading.Lock()

    def handle(self, method, path, query, headers, body) -> Reply:
        time.sleep(self.delay_s)
        with self._lock:
            self.requests.append((method, path))
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "ServiceUnavailable"}
            if headers.get("Authorization") != self.expected_auth:
                return 401, {"error": "Couldn't authenticate you"}
            if path == "/api/v2/tickets.json" and method == "POST":
                return self._create(headers, body)
            if path == "/api/v2/tickets.json" and method == "GET":
                matching = [t for t in self.tickets.values() if t["external_id"] == query.get("external_id")]
                return 200, {"tickets": matching, "count": len(matching)}
            if path == "/api/v2/search.json" and method == "GET":
                return 200, self._search(query.get("query", ""))
            if path == "/api/v2/users/me.json" and method == "GET":
                return 200, {"user": self.users[self.API_USER_ID]}
            if path.startswith("/api/v2/tickets/") and path.endswith("/comments.json") and method == "GET":
                return self._list_comments(int(path.split("/")[4]), query)
            if path.startswith("/api/v2/tickets/") and path.endswith(".json"):
                ticket_id = int(path[len("/api/v2/tickets/") : -len(".json")])
                if ticket_id not in self.tickets:
                    return 404, {"error": "RecordNotFound", "description": "Not found"}
                if method == "PUT":
                    return self._update(ticket_id, body)
                return 200, {"ticket": self.tickets[ticket_id]}
            return 404, {"error": "InvalidEndpoint"}

    def _create(self, headers, body) -> Reply:
        key = headers.get("Idempotency-Key")
        if key in self._idempotency:
            return 201, {"ticket": self.tickets[self._idempotency[key]]}
        ticket = (body or {}).get("ticket")
        problems = []
        if not isinstance(ticket, dict):
            return 422, {"error": "RecordInvalid", "description": 'body must be {"ticket": {...}}'}
        if not isinstance(ticket.get("comment"), dict) or not str(ticket["comment"].get("body", "")).strip():
            problems.append("comment.body is required")
        requester = ticket.get("requester")
        if not isinstance(requester, dict) or not requester.get("name"):
            problems.append("requester.name is required")
        if ticket.get("priority") not in self.PRIORITIES:
            problems.append(f"priority must be one of {self.PRIORITIES}")
        if not isinstance(ticket.get("tags"), list) or not all(
            isinstance(t, str) and " " not in t for t in ticket["tags"]
        ):
            problems.append("tags must be a list of words")
        if problems:
            return 422, {"error": "RecordInvalid", "description": "; ".join(problems)}
        ticket_id = len(self.tickets) + 1
        stored = {
            "id": ticket_id,
            "subject": ticket.get("subject"),
            "status": "new",
            "priority": ticket["priority"],
            "tags": ticket["tags"],
            "external_id": ticket.get("external_id"),
            "requester_email": requester.get("email"),
            "created_at": _zendesk_now(),
            "updated_at": _zendesk_now(),
        }
        self.tickets[ticket_id] = stored
        self.comments[ticket_id] = []
        self._add_comment(ticket_id, self.API_USER_ID, ticket["comment"]["body"], True)
        if key:
            self._idempotency[key] = ticket_id
        return 201, {"ticket": stored}

    STATUSES = ("new", "open", "pending", "hold", "solved", "closed")

    def _update(self, ticket_id: int, body) -> Reply:
        update = (body or {}).get("ticket") or {}
        comment = update.get("comment")
        if not isinstance(comment, dict) or not comment.get("body"):
            return 422, {"error": "RecordInvalid", "description": "comment.body is required"}
        if "status" in update and update["status"] not in self.STATUSES:
            return 422, {"error": "RecordInvalid", "description": f"status must be one of {self.STATUSES}"}
        self._add_comment(ticket_id, self.API_USER_ID, comment["body"], comment.get("public", True))
        ticket = self.tickets[ticket_id]
        ticket["status"] = update.get("status", ticket["status"])
        ticket["tags"] = ticket["tags"] + [t for t in update.get("additional_tags", []) if t not in ticket["tags"]]
        ticket["updated_at"] = _zendesk_now()
        return 200, {"ticket": ticket}

    # ------------------------------------------------------------ what agents do in Zendesk

    def add_user(self, name: str, role: str = "agent") -> int:
        with self._lock:
            user_id = max(self.users) + 1
            self.users[user_id] = {"id": user_id, "name": name, "email": f"user{user_id}@example.com", "role": role}
            return user_id

    def agent_comment(self, ticket_id: int, author_id: int, body: str, public: bool = True, files=()) -> None:
        """``files``: names of attachments, each given a content URL as Zendesk does."""
        with self._lock:
            self._add_comment(ticket_id, author_id, body, public)
            self.comments[ticket_id][-1]["attachments"] = [
                {"id": n, "file_name": name, "content_type": "application/octet-stream",
                 "content_url": f"https://acme.zendesk.com/attachments/token/t{n}/?name={name}"}
                for n, name in enumerate(files, 1)
            ]
            if self.tickets[ticket_id]["status"] == "new":
                self.tickets[ticket_id]["status"] = "open"
            self.tickets[ticket_id]["updated_at"] = _zendesk_now()

    def set_status(self, ticket_id: int, status: str) -> None:
        with self._lock:
            self.tickets[ticket_id]["status"] = status
            self.tickets[ticket_id]["updated_at"] = _zendesk_now()

    def _add_comment(self, ticket_id: int, author_id: int, body: str, public: bool) -> None:
        comment_id = 1000 + sum(len(c) for c in self.comments.values())
        self.comments[ticket_id].append(
            {"id": comment_id, "type": "Comment", "author_id": author_id, "body": body, "plain_body": body,
             "public": public, "created_at": _zendesk_now()}
        )

    def _list_comments(self, ticket_id: int, query: dict[str, str]) -> Reply:
        if ticket_id not in self.tickets:
            return 404, {"error": "RecordNotFound", "description": "Not found"}
        page = int(query.get("page", "1"))
        size = self.comments_page_size
        comments = self.comments[ticket_id][(page - 1) * size : page * size]
        more = len(self.comments[ticket_id]) > page * size
        include = query.get("include") == "users"
        return 200, {
            "comments": comments,
            "users": [self.users[c["author_id"]] for c in comments] if include else [],
            "next_page": (
                # Zendesk answers with its own host name, which need not be the one the client was given
                f"http://localhost:{self.port}/api/v2/tickets/{ticket_id}/comments.json"
                f"?include=users&sort_order=asc&page={page + 1}"
                if more else None
            ),
            "count": len(self.comments[ticket_id]),
        }

    def _search(self, query: str) -> dict[str, Any]:
        results = list(self.tickets.values())
        for term in query.split():
            name, _, value = term.partition(":")
            if name == "tags":
                results = [t for t in results if value in t["tags"]]
            elif name == "requester":
                results = [t for t in results if t["requester_email"] == value]
            elif name != "type":
                raise AssertionError(f"the stand-in does not know the search term {term!r}")
        return {"results": [dict(t, result_type="ticket") for t in results], "count": len(results)}


def _zendesk_now() -> str:
    """Zendesk's timestamps: UTC, whole seconds, ``Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def zendesk_signature(secret: str, body: bytes, timestamp: str) -> dict[str, str]:
    """The headers Zendesk signs a webhook request with: base64(HMAC-SHA256(timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


class LiveHelpdesk:
    """The real helpdesk app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, app):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> LiveHelpdesk:
        self._thread.start()
        wait_until(lambda: self._server.started, what="uvicorn started")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
