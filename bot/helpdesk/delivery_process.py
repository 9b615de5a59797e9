"""Agent-side lines sent to the customer's chat from a process of their own.

Why a process: a delivered line costs about a third of the helpdesk's CPU (a lease, an HTTP call to Rasa,
the e-mail check, the record and its console event). Done in the request process, after the response,
that CPU takes the GIL the agents' requests need, and uvicorn holds a kept-alive connection's next request
until the last one's background delivery has finished. A child process of each helpdesk process does it on
another core instead; a request only writes the ticket's id to a pipe.

Nothing relies on the pipe: the lines wait in ``ticket_messages`` (:mod:`bot.helpdesk.rasa_bridge`), the
child delivers every due line when it starts and every :data:`RETRY_INTERVAL_S` after, and the helpdesk's
retry loop starts a new child when one died. The child ends when its helpdesk process does, even a killed
one: the pipe's other end closes. ``DELIVERY_PROCESS=false`` delivers in the request process, as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from bot.db import make_engine, make_session_factory
from bot.helpdesk.http import OutboundThreads
from bot.helpdesk.rasa_bridge import DELIVERY_WORKERS, RETRY_INTERVAL_S, LeasedLine, RasaBridge
from bot.logging_setup import configure
from bot.settings import Settings

if TYPE_CHECKING:
    from fastapi import BackgroundTasks
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

TICKET_ID_BYTES = 8
STOP_WAIT_S = 5.0


class DeliveryProcess:
    """The child process that delivers one helpdesk process's lines; thread-safe."""

    def __init__(self, settings: Settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._pipe: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        with self._lock:
            self._start()

    def _start(self) -> None:
        # spawn, not fork: the helpdesk has threads and an event loop a forked child must not inherit.
        context = multiprocessing.get_context("spawn")
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=serve, args=(self._settings, reader), name="effortless-deliveries",
                                  daemon=True)
        process.start()
        reader.close()
        # A request never waits on the child: should the pipe be full, the child's next sweep has the line.
        os.set_blocking(writer.fileno(), False)
        self._process, self._pipe = process, writer

    def deliver(self, ticket_id: int) -> None:
        """Ask the child to deliver the ticket's due lines now."""
        with self._lock:
            if self._pipe is None:
                return  # not started or stopped: the next child's first sweep delivers the line
            try:
                # One write far below PIPE_BUF: written whole or not at all, never half a message.
                self._pipe.send_bytes(ticket_id.to_bytes(TICKET_ID_BYTES, "big"))
            except OSError as exc:  # full, or the child died: its sweep, or the next child's, sends the line
                log.warning("delivery process did not take ticket %s now (%s); it goes with the next sweep",
                            ticket_id, exc)

    def ensure_running(self) -> None:
        """Start a new child if the last one died (its sweep then delivers what waited)."""
        with self._lock:
            if self._process is None or self._process.is_alive():
                return
            log.error("the delivery process ended (exit code %s); starting a new one", self._process.exitcode)
            self._close_pipe()
            self._start()

    def stop(self) -> None:
        """Close the pipe, which ends the child once the deliveries it holds are done."""
        with self._lock:
            process = self._process
            self._close_pipe()
            self._process = None
        if process is None:
            return
        process.join(STOP_WAIT_S)
        if process.is_alive():
            process.terminate()  # an unfinished try is safe: the line stays pending, and is checked before a resend
            process.join(STOP_WAIT_S)

    def _close_pipe(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None


def serve(settings: Settings, pipe: Connection) -> None:
    """The child: deliver each ticket named on ``pipe``, and sweep every due line now and every
    :data:`RETRY_INTERVAL_S`, until the pipe closes."""
    # Ctrl-C reaches the whole process group; the helpdesk decides when its deliveries stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure(settings.log_level)
    engine = make_engine(settings.database_url)
    bridge = RasaBridge(settings, make_session_factory(engine))
    stopped = threading.Event()
    sweeper = threading.Thread(target=_sweep_until, args=(bridge, stopped), name="delivery-sweep", daemon=True)
    sweeper.start()
    try:
        with ThreadPoolExecutor(max_workers=DELIVERY_WORKERS, thread_name_prefix="delivery") as pool:
            while True:
                try:
                    message = pipe.recv_bytes()
                except (EOFError, OSError):
                    break  # the helpdesk process closed its end, or ended
                pool.submit(_deliver_logged, bridge, int.from_bytes(message, "big"))
    finally:
        stopped.set()
        sweeper.join(STOP_WAIT_S)
        engine.dispose()


def _sweep_until(bridge: RasaBridge, stopped: threading.Event) -> None:
    while not stopped.is_set():
        try:
            bridge.deliver_pending()
        except Exception:  # keep sweeping whatever went wrong this round; the log says what
            log.exception("delivering due agent messages failed; will retry")
        stopped.wait(RETRY_INTERVAL_S)


def _deliver_logged(bridge: RasaBridge, ticket_id: int) -> None:
    try:
        bridge.deliver_ticket(ticket_id)
    except Exception:  # the line stays pending; the next sweep tries it again
        log.exception("delivering ticket %s's lines failed; the next sweep retries", ticket_id)


class Deliveries:
    """How a request gets its ticket's new lines sent: through the :class:`DeliveryProcess`, or with
    ``DELIVERY_PROCESS=false`` in the request's own process right after the response."""

    def __init__(self, settings: Settings, bridge: RasaBridge):
        self.bridge = bridge
        self.process = DeliveryProcess(settings) if settings.delivery_process else None
        self.threads = OutboundThreads(DELIVERY_WORKERS, "delivery")

    def start(self) -> None:
        if self.process is not None:
            self.process.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        self.threads.stop()

    def after_response(self, ticket_id: int, background: BackgroundTasks) -> None:
        if self.process is None:
            self.threads.after_response(background, self.bridge.deliver_ticket, ticket_id)
        else:
            self.process.deliver(ticket_id)

    def for_request(self) -> RequestDelivery:
        """What one request that adds a line for the customer's chat passes as the ticket function's
        ``before_commit``, then asks to deliver after its response."""
        return RequestDelivery(self)

    def sweep(self) -> None:
        """Every :data:`RETRY_INTERVAL_S` from the helpdesk's retry loop: deliver the lines due for a retry,
        or see that the delivery process, which does that itself, still runs."""
        if self.process is None:
            self.bridge.deliver_pending()
        else:
            self.process.ensure_running()


class RequestDelivery:
    """One request's line, delivered after its response. Delivering in this process (no delivery process), the
    request's own transaction takes the delivery lease (:meth:`RasaBridge.lease_due_line`): on SQLite, whose
    single writer bounds how many tickets agents can work, the line then costs one write transaction (the
    record of its try) instead of two. The delivery process takes its lease itself."""

    def __init__(self, deliveries: Deliveries):
        self._deliveries = deliveries
        self._ticket_id: int | None = None
        self._leased: LeasedLine | None = None

    def before_commit(self, session: Session, ticket_id: int) -> None:
        self._ticket_id = ticket_id
        if self._deliveries.process is None:
            self._leased = self._deliveries.bridge.lease_due_line(session, ticket_id)

    def after_response(self, background: BackgroundTasks) -> None:
        """Deliver the leased line and those after it. Without a lease nothing is due, or another worker
        holds the ticket and sends the line after its own."""
        deliveries = self._deliveries
        if deliveries.process is not None:
            if self._ticket_id is not None:
                deliveries.process.deliver(self._ticket_id)
        elif self._leased is not None:
            deliveries.threads.after_response(background, deliveries.bridge.deliver_leased, self._leased)
