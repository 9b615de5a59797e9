"""What the benchmarks read of running processes from Linux's /proc: a process tree, its CPU time and
its resident memory, and how they summarise durations.

A tree is found from every process's parent (``/proc/<pid>/stat``), not from
``/proc/<pid>/task/<pid>/children``, which lists only the children the main thread started. A process
that ends while it is read is left out; the CPU time of ended children is not counted (the benchmarks
measure long-running servers)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from bot.ces.report import percentile as nearest_rank_percentile

# Fields of /proc/<pid>/stat after the command name: 1 is the parent, 11 and 12 the user and system ticks.
PARENT_FIELD, USER_TICKS_FIELD, SYSTEM_TICKS_FIELD = 1, 11, 12


def _stat_fields(stat_file: Path) -> list[str] | None:
    try:
        return stat_file.read_text().rsplit(")", 1)[1].split()  # the command name may hold spaces and ")"
    except (OSError, IndexError):
        return None  # the process ended meanwhile


def _all_stats() -> dict[int, list[str]]:
    """The stat fields of every live process, read once."""
    stats = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat_fields(stat_file)
        if fields is not None:
            stats[int(stat_file.parent.name)] = fields
    return stats


def _tree(pid: int, stats: dict[int, list[str]]) -> list[int]:
    """``pid`` and its descendants among ``stats``; empty when ``pid`` is not there."""
    if pid not in stats:
        return []
    children: dict[int, list[int]] = {}
    for member, fields in stats.items():
        children.setdefault(int(fields[PARENT_FIELD]), []).append(member)
    tree, pending = [], [pid]
    while pending:
        member = pending.pop()
        tree.append(member)
        pending.extend(children.get(member, []))
    return tree


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants; empty when ``pid`` itself is gone."""
    return _tree(pid, _all_stats())


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (one read of /proc)."""
    stats = _all_stats()
    ticks = sum(int(stats[member][USER_TICKS_FIELD]) + int(stats[member][SYSTEM_TICKS_FIELD])
                for member in _tree(pid, stats))
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of a process and its live descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return total


def percentile(values: Sequence[float], share: float) -> float:
    """The reports' nearest-rank percentile (:func:`bot.ces.report.percentile`); 0.0 for no values, so a
    benchmark's figure is always a number."""
    found = nearest_rank_percentile(values, share)
    return 0.0 if found is None else found


def latency_summary(durations_ms: Sequence[float], digits: int = 1) -> dict[str, float]:
    """How the benchmarks report a list of durations (milliseconds): their count, and the nearest-rank p50, p95
    and max (a p50 of an even count is the lower middle value, not the mean of the two)."""
    shares = (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
    return {"count": len(durations_ms), **{name: round(percentile(durations_ms, share), digits) for name, share in shares}}
