"""Report endpoints for admins and the report page of the agent console.

- ``GET /api/reports?since=&until=``     → the report as JSON (admin session or Bearer token)
- ``GET /api/reports.csv?since=&until=`` → the same as a CSV download
- ``GET /agent/reports``                 → the page (static; its data calls need the admin login)
- ``GET /agent/reports/static/<file>``   → the page's script and stylesheet

The helpdesk app includes :data:`router`; authentication and the per-request session come from
:mod:`bot.helpdesk.auth`.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from bot.ces.periods import ReportRangeError, parse_report_range
from bot.ces.render import report_csv
from bot.ces.report import build_report
from bot.helpdesk.auth import SessionReleasingRoute, db_session, require_admin
from bot.helpdesk.errors import InvalidInput, NotFound
from bot.models import Agent

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"reports.js": "text/javascript", "reports.css": "text/css"}
# The security headers (CSP, nosniff, ...) come from bot.web.security for every response.
PAGE_HEADERS = {"Cache-Control": "no-cache"}
PRIVATE = {"Cache-Control": "no-store"}
DATE_HELP = "first UTC day, YYYY-MM-DD (default: 29 days before until)"

router = APIRouter(route_class=SessionReleasingRoute)


def _report(request: Request, db: Session, since: str | None, until: str | None) -> dict:
    try:
        period = parse_report_range(since, until)
    except ReportRangeError as exc:
        raise InvalidInput(str(exc)) from None
    settings = request.app.state.settings
    return build_report(
        db, period.since, period.until, low_threshold=settings.ces_low_score_threshold, settings=settings
    )


@router.get("/api/reports", tags=["reports"], summary="CES, CSAT, NPS, FCR, containment, escalation, ticket-time, SLA and KB-gap report")
def get_report(
    request: Request,
    response: Response,
    since: str | None = Query(None, description=DATE_HELP),
    until: str | None = Query(None, description="last UTC day, YYYY-MM-DD, included (default: today)"),
    _admin: Agent = Depends(require_admin),
    db: Session = Depends(db_session),
) -> dict:
    response.headers.update(PRIVATE)
    return _report(request, db, since, until)


@router.get(
    "/api/reports.csv",
    tags=["reports"],
    summary="The report as CSV (section, dimension, key, metric, value)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the report, one figure a row"}},
)
def get_report_csv(
    request: Request,
    since: str | None = Query(None, description=DATE_HELP),
    until: str | None = Query(None, description="last UTC day, YYYY-MM-DD, included (default: today)"),
    _admin: Agent = Depends(require_admin),
    db: Session = Depends(db_session),
) -> Response:
    report = _report(request, db, since, until)
    filename = f"effortless-report-{report['range']['since']}-to-{report['range']['until']}.csv"
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (Hebrew, Arabic, Czech).
    return Response(
        "\ufeff" + report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **PRIVATE},
    )


@router.get("/agent/reports", include_in_schema=False)
def report_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "reports.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/agent/reports/static/{name}", include_in_schema=False)
def report_static(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise NotFound(f"no file {name[:80]!r}")
    return FileResponse(STATIC_DIR / name, media_type=f"{STATIC_FILES[name]}; charset=utf-8", headers=PAGE_HEADERS)
