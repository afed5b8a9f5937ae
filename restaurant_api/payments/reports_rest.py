"""REST adapter of the business-day reports: the CSV export for the accountant."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from restaurant_api.api.rest import CurrentUser, SettingsDep, SnapshotSessionDep, error_responses
from restaurant_api.payments import service

router = APIRouter(
    prefix="/api/reports", tags=["reports"], responses=error_responses(400, 401, 403, 404)
)


@router.get(
    "/{business_date}.csv",
    response_class=Response,
    summary="A business day's report as CSV (managers and admins)",
    description="The Z report of a closed business date (404 while it is open), or with "
    "`?kind=x` the X report (the day so far). `text/csv`, columns "
    "`section,name,detail,count,amount`, one section per block (see the README).",
    responses={200: {"content": {"text/csv": {}}, "description": "The report."}},
)
async def report_csv(
    business_date: str,
    user: CurrentUser,
    session: SnapshotSessionDep,
    settings: SettingsDep,
    kind: Annotated[Literal["x", "z"], Query(description="z (default) or x.")] = "z",
) -> Response:
    day = service.parse_business_date(business_date[:20])
    if kind == "x":
        report = await service.x_report(
            session, actor=user, calendar=service.calendar_for(settings), day=day
        )
    else:
        report = await service.z_report(session, actor=user, day=day)
    filename = f"{kind}-report-{day.isoformat()}.csv"
    return Response(
        service.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
