"""Map, chart and breakdown pages of a resource's table, each with its JSON and CSV twins (the records of schemas.py),
and saved charts. The services check who may save or remove a chart (and audit refusals); the views ask the rules
only to decide what to show."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.records import as_json, csv_row
from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.datastore.engine.query import QueryError
from apertura.geo.choropleth import choropleth
from apertura.geo.matching import DEPARTMENT, MUNICIPALITY

from .breakdowns import all_breakdowns
from .charts import MAX_POINTS, ChartParams, chart_data, svg_chart, value_title, vega_lite_spec
from .dimensions import DIMENSIONS, dimensions
from .forms import ChartForm, MapForm, SaveChartForm
from .schemas import (
    BREAKDOWN_COLUMNS, CHART_COLUMNS, CHART_SERIES_COLUMNS, MAP_COLUMNS, BreakdownsOut, ChartOut, MapOut,
)
from .selectors import explorable, numeric_fields, region_totals, saved_chart_get, title
from .services import saved_chart_create, saved_chart_create_check, saved_chart_delete


def _context(resource, table, tab: str) -> dict:
    return {"resource": resource, "dataset": resource.dataset, "table": table, "tab": tab}


def _filename(resource, what: str, fmt: str) -> str:
    return f"{resource.dataset.name}-{what}.{fmt}"


# --- Map -----------------------------------------------------------------------------------------------------

def map_page(request, rid):
    resource, table = explorable(rid, request.user)
    places = [d for d in dimensions(table) if d.kind in (DEPARTMENT, MUNICIPALITY)]
    form = MapForm(table, places, request.GET)
    context = {**_context(resource, table, "map"), "form": form, "places": places, "totals": None, "map": None,
               "error": ""}
    status = 200
    # When no column looks like places, nothing is drawn until the visitor says which column holds them.
    asked = bool(places or request.GET)
    if asked and form.is_valid():
        data = form.cleaned_data
        try:
            totals = region_totals(table, column=data["column"], level=data["level"], measure=data["measure"],
                                   aggregate=data["aggregate"], department_column=data["department_column"])
        except QueryError as exc:
            context["error"], status = str(exc), 400
        else:
            context.update(totals=totals, map=choropleth(data["level"], totals.values),
                           value_label=_map_value_label(table, totals))
            fmt = requested_format(request)
            if fmt in {"json", "csv"}:
                data = as_json(MapOut, totals, request=request, resource=resource, value=context["value_label"])
                if fmt == "json":
                    return json_twin(data)
                return csv_twin(_filename(resource, "map", "csv"), MAP_COLUMNS,
                                [csv_row(region, MAP_COLUMNS) for region in data["regions"]])
    elif asked:
        status = 400 if request.GET else 200
    return render(request, "explore/map.html", context, status=status)


def _map_value_label(table, totals) -> str:
    if totals.aggregate == "sum":
        return _("Sum of %(c)s") % {"c": title(table, totals.measure)}
    if totals.aggregate == "avg":
        return _("Average of %(c)s") % {"c": title(table, totals.measure)}
    return _("Number of rows")


# --- Chart ---------------------------------------------------------------------------------------------------

def _chart(table, form) -> tuple[ChartParams, list[dict]]:
    params = form.params()
    return params, chart_data(table, params)


def _default_x(table) -> str:
    dims = dimensions(table)
    return dims[0].name if dims else ""


def chart_page(request, rid):
    resource, table = explorable(rid, request.user)
    form = ChartForm(table, request.GET, default_x=_default_x(table))
    return _render_chart(request, resource, table, form, saved=None)


def _render_chart(request, resource, table, form, *, saved):
    context = {**_context(resource, table, "chart"), "form": form, "svg": None, "data": [], "error": "",
               "saved": saved, "may_save": rules.has_perm("explore.save_chart", request.user, resource),
               "save_form": SaveChartForm(),
               "may_delete": saved is not None and rules.has_perm("explore.delete_chart", request.user, saved)}
    status = 200
    if not form.is_valid():
        return render(request, "explore/chart.html", context, status=400 if request.GET else 200)
    try:
        params, data = _chart(table, form)
    except QueryError as exc:
        context["error"], status = str(exc), 400
        return render(request, "explore/chart.html", context, status=status)
    fmt = requested_format(request)
    if fmt in {"json", "csv"}:
        twin = as_json(ChartOut, {"params": params, "data": data}, request=request, resource=resource,
                       value=value_title(table, params))
        if fmt == "json":
            return json_twin(twin)
        # The header names the table's columns; the cells are the points' x, series and value.
        columns = CHART_SERIES_COLUMNS if params.color else CHART_COLUMNS
        header = [params.x] + ([params.color] if params.color else []) + ["value"]
        return csv_twin(_filename(resource, "chart", "csv"), header,
                        [csv_row(point, columns) for point in twin["data"]])
    query = urlencode(params.as_dict())
    context.update(params=params, data=data, svg=svg_chart(params, data), x_title=title(table, params.x),
                   truncated=len(data) >= MAX_POINTS,
                   y_title=value_title(table, params), series_title=title(table, params.color) if params.color else "",
                   query=query, spec_url=reverse("explore:chart_spec", args=[resource.pk]) + "?" + query)
    return render(request, "explore/chart.html", context, status=status)


def chart_spec(request, rid):
    """The Vega-Lite spec the chart page's script hands to vega-embed."""
    resource, table = explorable(rid, request.user)
    form = ChartForm(table, request.GET, default_x=_default_x(table))
    if not form.is_valid():
        response = json_twin({"errors": form.errors.get_json_data()})
        response.status_code = 400
        return response
    try:
        params, data = _chart(table, form)
    except QueryError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    description = _("%(y)s by %(x)s") % {"y": value_title(table, params), "x": title(table, params.x)}
    return json_twin(vega_lite_spec(table, params, data, description=description))


@require_POST
def chart_save(request, rid):
    resource, table = explorable(rid, request.user)
    saved_chart_create_check(by=request.user, resource=resource)  # refused (and audited) before the form is read
    form = ChartForm(table, request.POST)
    save_form = SaveChartForm(request.POST)
    if not (form.is_valid() and save_form.is_valid()):
        messages.error(request, _("The chart could not be saved: give it a name."))
        return redirect(reverse("explore:chart", args=[resource.pk]) + "?" + urlencode(
            {k: v for k, v in request.POST.items() if k in form.base_fields}))
    chart = saved_chart_create(by=request.user, name=save_form.cleaned_data["name"], resource=resource,
                               params=form.params().as_dict())
    messages.success(request, _("Chart saved. Its address is permanent: share it."))
    return redirect(chart)


def saved_chart(request, pk):
    chart = saved_chart_get(pk)
    resource, table = explorable(chart.resource_key, request.user)
    form = ChartForm(table, chart.params)
    return _render_chart(request, resource, table, form, saved=chart)


@require_POST
def saved_chart_remove(request, pk):
    chart = saved_chart_get(pk)
    saved_chart_delete(chart=chart, by=request.user)
    messages.success(request, _("The saved chart was removed."))
    return redirect("explore:chart", chart.resource_key)


# --- Breakdowns ----------------------------------------------------------------------------------------------

def breakdowns_page(request, rid):
    resource, table = explorable(rid, request.user)
    numbers = numeric_fields(table)
    measure = request.GET.get("measure", "")
    if measure not in {f["name"] for f in numbers}:
        measure = ""
    dims = dimensions(table)
    found, two_way = all_breakdowns(table, dims, measure=measure)
    fmt = requested_format(request)
    if fmt in {"json", "csv"}:
        data = as_json(BreakdownsOut, {"measure": measure, "breakdowns": found, "cross": two_way}, request=request,
                       resource=resource)
        if fmt == "json":
            return json_twin(data)
        return csv_twin(_filename(resource, "breakdowns", "csv"), BREAKDOWN_COLUMNS,
                        [csv_row({**b, **row}, BREAKDOWN_COLUMNS) for b in data["breakdowns"] for row in b["rows"]])
    context = {**_context(resource, table, "breakdowns"), "breakdowns": found, "cross": two_way,
               "numbers": numbers, "measure": measure, "measure_title": title(table, measure) if measure else "",
               "dimension_names": DIMENSIONS}
    return render(request, "explore/breakdowns.html", context)
