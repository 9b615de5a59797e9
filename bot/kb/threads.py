"""BLAS threading for processes that answer questions (the action server, ``bench-kb``)."""
from __future__ import annotations


def answer_questions_single_threaded() -> None:
    """Limit BLAS (numpy's matrix products) to one thread for the rest of the process.

    Why: a question's products are small, and conversations already run in threads of their own, so a
    second BLAS thread mostly waits for a busy core — on a loaded 2-core machine that turned a 0.2 ms
    similarity product into 5–8 ms at p95. Index builds get slower, which nobody waits on.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
