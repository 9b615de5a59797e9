"""The report dict of :func:`bot.ces.report.build_report` as a readable text, or as a flat CSV table
(one row per figure) for a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot.ces.report import DIMENSIONS


def report_rows(report: dict) -> Iterable[tuple]:
    """The report as flat (section, dimension, key, metric, value) rows for a spreadsheet."""
    ces = report["ces"]
    yield ("range", "", "", "since", report["range"]["since"])
    yield ("range", "", "", "until", report["range"]["until"])
    for metric, value in ces["summary"].items():
        yield ("ces_summary", "", "", metric, value)
    for item in ces["distribution"]:
        yield ("ces_distribution", "score", item["score"], "count", item["count"])
        yield ("ces_distribution", "score", item["score"], "share", item["share"])
    for period, buckets in ces["trend"].items():
        for bucket in buckets:
            for metric in ("responses", "mean", "share_easy"):
                yield ("ces_trend", period, bucket["label"], metric, bucket[metric])
    for dimension, items in ces["by"].items():
        for item in items:
            for metric in ("responses", "mean", "share_easy"):
                yield ("ces_by", dimension, item["label"], metric, item[metric])
    for survey, metrics in (("csat", ("responses", "mean", "share_satisfied")),
                            ("nps", ("responses", "promoters", "passives", "detractors", "nps"))):
        for metric, value in report[survey]["summary"].items():
            yield (f"{survey}_summary", "", "", metric, value)
        for item in report[survey]["distribution"]:
            yield (f"{survey}_distribution", "score", item["score"], "count", item["count"])
        for period, buckets in report[survey]["trend"].items():
            for bucket in buckets:
                for metric in metrics:
                    yield (f"{survey}_trend", period, bucket["label"], metric, bucket[metric])
    for metric, value in report["fcr"].items():
        yield ("fcr", "", "", metric, value)
    for metric, value in report["containment"].items():
        yield ("containment", "", "", metric, value)
    yield ("escalations", "", "", "tickets", report["escalations"]["tickets"])
    for item in report["escalations"]["reasons"]:
        yield ("escalations", "reason", item["reason"], "count", item["count"])
        yield ("escalations", "reason", item["reason"], "share", item["share"])
    for item in report["escalations"]["channels"]:
        yield ("escalations", "channel", item["channel"], "count", item["count"])
        yield ("escalations", "channel", item["channel"], "share", item["share"])
    yield ("escalations", "withdrawn", "", "count", report["escalations"]["withdrawn"]["count"])
    yield ("escalations", "withdrawn", "", "share", report["escalations"]["withdrawn"]["share"])
    for metric, value in report["escalations"]["reopened"].items():
        yield ("escalations", "reopened", "", metric, value)
    times = report["ticket_times"]
    yield ("ticket_times", "", "", "tickets", times["tickets"])
    for kind in ("first_response", "resolution"):
        for metric, value in times[kind].items():
            yield ("ticket_times", kind, "", metric, value)
    for kind in ("first_response", "resolution"):
        for priority, minutes in report["sla"][kind]["targets_minutes"].items():
            yield ("sla", kind, priority, "target_minutes", minutes)
        for row in report["sla"][kind]["by_priority"]:
            for outcome in ("breached", "met", "pending"):
                yield ("sla", kind, row["priority"], outcome, row[outcome])
    yield ("kb_gaps", "", "", "questions", report["kb_gaps"]["questions"])
    yield ("kb_gaps", "", "", "left_out_as_noise", report["kb_gaps"]["left_out_as_noise"])
    for rank, group in enumerate(report["kb_gaps"]["groups"], start=1):
        yield ("kb_gaps", "group", rank, "representative", group["representative"])
        yield ("kb_gaps", "group", rank, "count", group["count"])
        yield ("kb_gaps", "group", rank, "conversations", group["conversations"])
        yield ("kb_gaps", "group", rank, "languages", " ".join(group["languages"]))
        yield ("kb_gaps", "group", rank, "examples", " | ".join(group["examples"]))
    for article in report["kb_gaps"]["unhelpful_articles"]["articles"]:
        for metric in ("helpful", "unhelpful", "share_unhelpful"):
            yield ("kb_gaps", "unhelpful_article", article["article_id"], metric, article[metric])


def _spreadsheet_safe(value) -> str:
    """Cell text; customer text starting with = + - @ is prefixed with ' so a spreadsheet
    shows it instead of running it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def report_csv(report: dict) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("section", "dimension", "key", "metric", "value"))
    for row in report_rows(report):
        writer.writerow([_spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue()


def _fmt(value, suffix: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}{suffix}"
    return f"{value}{suffix}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    line = lambda cells: "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
    return ["  " + line(headers)] + ["  " + line(row) for row in rows]


def report_text(report: dict) -> str:
    """A readable console report."""
    ces, containment_, times = report["ces"], report["containment"], report["ticket_times"]
    summary = ces["summary"]
    out = [f"Effortless support report {report['range']['since']} .. {report['range']['until']} (UTC)", ""]
    out += [
        "Customer Effort Score (1-7, 5-7 = easy)",
        f"  responses {summary['responses']}   mean {_fmt(summary['mean'])}   "
        f"easy {summary['easy']} ({_pct(summary['share_easy'])})   "
        f"low (<= {summary['low_threshold']}) {summary['low']} ({_pct(summary['share_low'])})",
        "",
        "Distribution",
    ]
    peak = max((item["count"] for item in ces["distribution"]), default=0) or 1
    out += [
        f"  {item['score']}  {'#' * round(30 * item['count'] / peak):<30}  {item['count']}"
        for item in ces["distribution"]
    ]
    for period in ("day", "week"):
        rows = [(b["label"], b["responses"], _fmt(b["mean"]), _pct(b["share_easy"]))
                for b in ces["trend"][period] if b["responses"]]
        out += ["", f"Trend by {period}"] + (_table(("period", "responses", "mean", "easy"), rows) if rows else ["  no ratings"])
    for dimension in DIMENSIONS:
        rows = [(i["label"], i["responses"], _fmt(i["mean"]), _pct(i["share_easy"])) for i in ces["by"][dimension]]
        out += ["", f"By {dimension}"] + (_table((dimension, "responses", "mean", "easy"), rows) if rows else ["  no ratings"])
    out += _survey_text(report)
    out += [
        "",
        "Containment",
        f"  conversations {containment_['conversations']}   contained {containment_['contained']} "
        f"({_pct(containment_['containment_rate'])})   escalated {containment_['escalated']} "
        f"({_pct(containment_['escalation_rate'])})   confirmed by customer {containment_['bot_resolved']}",
        "",
        f"Escalations by reason ({report['escalations']['tickets']} tickets)",
    ]
    reasons = [(r["reason"], r["count"], _pct(r["share"])) for r in report["escalations"]["reasons"]]
    out += _table(("reason", "tickets", "share"), reasons) if reasons else ["  no tickets"]
    withdrawn, reopened = report["escalations"]["withdrawn"], report["escalations"]["reopened"]
    out += [f"  withdrawn by the customer {withdrawn['count']} ({_pct(withdrawn['share'])})",
            f"  reopened {reopened['reopened']} of {_plural(reopened['resolved'], 'resolved ticket')} "
            f"({_pct(reopened['rate'])})"]
    channels = [(c["channel"], c["count"], _pct(c["share"])) for c in report["escalations"]["channels"]]
    out += ["", "Tickets by channel"] + (_table(("channel", "tickets", "share"), channels) if channels else ["  no tickets"])
    out += ["", f"Ticket times in minutes ({times['tickets']} tickets)"]
    out += _table(
        ("", "count", "mean", "median", "p90", "pending"),
        [
            ("first response", times["first_response"]["count"], _fmt(times["first_response"]["mean_minutes"]),
             _fmt(times["first_response"]["median_minutes"]), _fmt(times["first_response"]["p90_minutes"]),
             times["first_response"]["waiting"]),
            ("resolution", times["resolution"]["count"], _fmt(times["resolution"]["mean_minutes"]),
             _fmt(times["resolution"]["median_minutes"]), _fmt(times["resolution"]["p90_minutes"]),
             times["resolution"]["unresolved"]),
        ],
    )
    out += _sla_text(report["sla"])
    gaps = report["kb_gaps"]
    out += ["", f"KB gaps ({gaps['questions']} unanswered questions in {gaps['groups_total']} groups)"]
    for rank, group in enumerate(gaps["groups"], start=1):
        out.append(f"  {rank}. {group['representative']}  — {_plural(group['count'], 'question')}, "
                   f"{_plural(group['conversations'], 'conversation')} [{', '.join(group['languages'])}]")
        out += [f"       also: {example}" for example in group["examples"]]
    if not gaps["groups"]:
        out.append("  none")
    if gaps["left_out_as_noise"]:
        out.append(f"  left out as noise (markup or code, filler, no letters): {gaps['left_out_as_noise']}")
    unhelpful = gaps["unhelpful_articles"]["articles"]
    out += ["", "Help-centre articles readers found unhelpful"]
    out += _table(("article", "language", "no", "yes", "share no"),
                  [(a["article_id"], a["language"], a["unhelpful"], a["helpful"], _pct(a["share_unhelpful"]))
                   for a in unhelpful]) if unhelpful else ["  none"]
    return "\n".join(out) + "\n"


def _survey_text(report: dict) -> list[str]:
    csat, nps, fcr = report["csat"]["summary"], report["nps"]["summary"], report["fcr"]
    score = "–" if nps["nps"] is None else f"{nps['nps']:+d}"
    return [
        "",
        "Customer satisfaction (CSAT, 1-5, 4-5 = satisfied)",
        f"  responses {csat['responses']}   mean {_fmt(csat['mean'])}   "
        f"satisfied {csat['satisfied']} ({_pct(csat['share_satisfied'])})",
        "",
        "Net Promoter Score (0-10: promoters 9-10, detractors 0-6)",
        f"  responses {nps['responses']}   NPS {score}   promoters {nps['promoters']}   "
        f"passives {nps['passives']}   detractors {nps['detractors']}",
        "",
        f"First-contact resolution (no reopen or new contact within {fcr['window_days']} days)",
        f"  FCR {_pct(fcr['fcr'])} of {_plural(fcr['measured'], 'resolved contact')}   "
        f"reopened {fcr['reopened']}   came back {fcr['came_back']}   "
        f"pending (resolved < {fcr['window_days']} days ago) {fcr['pending']}   follow-ups {fcr['follow_ups']}",
    ]


def _sla_text(sla: dict) -> list[str]:
    out = ["", "SLA (tickets opened in the range: breached / met / pending)"]
    rows = [
        (row["priority"], *(f"{row['breached']} / {row['met']} / {row['pending']}"
                            for row in (sla["first_response"]["by_priority"][index], sla["resolution"]["by_priority"][index])))
        for index, row in enumerate(sla["first_response"]["by_priority"])
    ]
    rows.append(("total", *(f"{sla[kind]['breached']} / {sla[kind]['met']} / {sla[kind]['pending']}"
                            for kind in ("first_response", "resolution"))))
    return out + _table(("priority", "first response", "resolution"), rows)
