"""The public plan dashboard, as of a date, and its JSON and CSV twins."""

import datetime as dt
import re

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.common.records import as_json, csv_row
from apertura.common.twins import csv_twin, json_twin, requested_format

from .. import selectors
from ..dashboard import bar_chart, build_dashboard
from ..models import Plan
from ..schemas import DASHBOARD_COLUMNS, DashboardMilestoneOut, DashboardOut

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_on(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    try:
        if _ISO_DAY.match(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(_("«%(value)s» is not a date. Write the date as YYYY-MM-DD, for example 2022-07-15.")
                     % {"value": value[:40]})


def plan_dashboard(request, slug):
    try:
        plan = selectors.plan_lookup(slug=slug)
    except Plan.DoesNotExist:
        raise Http404(_("There is no action plan «%(slug)s».") % {"slug": slug}) from None
    fmt = requested_format(request)
    try:
        on = _parse_on(request.GET.get("on", "").strip())
    except ValueError as error:
        if fmt == "json":
            response = json_twin({"error": str(error)})
            response.status_code = 400
            return response
        return render(request, "plans/dashboard_bad_date.html", {"plan": plan, "message": str(error)}, status=400)
    board = build_dashboard(plan=plan, on=on)
    if fmt == "json":
        return json_twin(as_json(DashboardOut, board))
    if fmt == "csv":
        return csv_twin(f"plan-{plan.slug}-dashboard-{on.isoformat()}.csv", DASHBOARD_COLUMNS,
                        (csv_row(as_json(DashboardMilestoneOut, t), DASHBOARD_COLUMNS) for t in board.tracks))
    plan_end = plan.end.last_day()
    return render(request, "plans/dashboard.html", {
        "plan": plan, "board": board, "on": on,
        "plan_end": plan_end if on > plan_end else None,
        "charts": {name: bar_chart(getattr(board, name)) for name in ("by_commitment", "by_institution", "by_theme")},
    })
