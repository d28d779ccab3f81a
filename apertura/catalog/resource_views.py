"""The resource page: the table's status (polled by htmx while it ingests), the validation report, an upload held
for the publisher's confirmation, the Table Schema editor, the preview, column summaries, earlier versions, and
downloads of the full or filtered table. A page of the catalog's resource (its permissions, its addresses) showing
the datastore's table, so it lives in the catalog, which depends on the datastore.

The datastore's services check who may change the table (datastore.change_table, which the catalog decides) and
audit refusals; these views ask the rule only to decide what to show."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.records import as_json
from apertura.common.twins import json_twin, requested_format
from apertura.datastore.engine.ingest import type_words
from apertura.datastore.engine.query import EXPORT_TYPES, QueryError, export
from apertura.datastore.engine.report import held_reasons
from apertura.datastore.models import DatastoreTable
from apertura.datastore.preview import preview, selection, sort_items
from apertura.datastore.schemas import TableStateOut
from apertura.datastore.selectors import NotPublished, published_table, table_get, table_versions
from apertura.datastore.services import (
    NothingHeld, SchemaError, datastore_held_discard, datastore_held_publish, datastore_schema_update,
)
from apertura.datastore.summaries import summaries
from apertura.datastore.vocabulary import DIMENSION, DIMENSION_KINDS

from . import selectors as catalog_selectors
from .datastore import is_tabular, resource_file_changed
from .models import Dataset, Resource
from .schemas import ResourceOut
from .services import resource_replace_file

WORKING = {DatastoreTable.Status.QUEUED, DatastoreTable.Status.RUNNING}
SCHEMA_TEXTS = ("title", "description", "unit")


def _resource_or_404(request, name, rid) -> Resource:
    try:
        dataset = catalog_selectors.dataset_get(name_or_id=name, published_only=False)
    except Dataset.DoesNotExist:
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name}) from None
    if not rules.has_perm("catalog.view_dataset", request.user, dataset):
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name})
    try:
        return catalog_selectors.dataset_resource(dataset, rid)
    except Resource.DoesNotExist:
        raise Http404(_("There is no such resource.")) from None


def _table(resource) -> DatastoreTable | None:
    return table_get(str(resource.pk))


def _stage_label(stage: str) -> str:
    return {"reading": _("reading"), "checking": _("checking every row"), "inferring types": _("working out the types"),
            "writing": _("writing the table"), "done": _("done")}.get(stage, stage or _("starting"))


def _status_context(request, resource, table) -> dict:
    return {"resource": resource, "table": table, "working": table is not None and table.status in WORKING,
            "stage_label": _stage_label(table.progress_stage if table else ""),
            "percent": round((table.progress or 0) * 100) if table else 0,
            "may_edit": rules.has_perm("datastore.change_table", request.user, resource)}


def resource_page(request, name, rid):
    resource = _resource_or_404(request, name, rid)
    table = _table(resource)
    words = type_words()
    context = {**_status_context(request, resource, table), "dataset": resource.dataset,
               "tabular": is_tabular(resource), "types": sorted(words.items()), "page": None, "summaries": [],
               "versions": [], "fields": []}
    context.update(_report_context(context["may_edit"], table))
    context["held"] = _held(context["may_edit"], table)
    status = 200
    fmt = requested_format(request)
    if fmt == "csv":
        if table is None or table.current is None:
            raise Http404(_("This resource has no table yet."))
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(reverse("catalog:resource_table", args=[name, rid, "csv"]) + (
            f"?{query.urlencode()}" if query else ""))
    if table is not None and table.current is not None:
        ref = published_table(table.resource_key)
        context["page"] = page = preview(ref, request.GET)
        status = 400 if page.error else 200
        if fmt == "json":
            return _json_twin(request, resource, table, page, status, context["held"])
        titles = {f["name"]: f.get("title", "") for f in ref.fields}
        context["summaries"] = [{**s, "title": titles.get(s["name"], ""), "type_label": words.get(s["type"], "")}
                                for s in summaries(ref, version=table.current.number)]
        context["versions"] = list(table_versions(table.resource_key))
        context["fields"] = [{**f, "type_label": words.get(f["type"], f["type"]), "dimension": f.get(DIMENSION, "")}
                             for f in table.schema.get("fields", [])]
        context["dimension_kinds"] = list(DIMENSION_KINDS.items())
        context["formats"] = list(EXPORT_TYPES)
    if fmt == "json":
        return _json_twin(request, resource, table, None, 200, context["held"])
    return render(request, "datastore/resource.html", context, status=status)


def _json_twin(request, resource, table, page, status, held=None):
    """The resource (as the API writes it), its table (as the datastore's schema does: the upload held for
    confirmation only for those who may decide, as on the page) and, once there is one, the preview's rows."""
    base = request.build_absolute_uri("/").rstrip("/")
    actions = {"publish": base + reverse("catalog:resource_held_publish", args=[resource.dataset.name, resource.pk]),
               "discard": base + reverse("catalog:resource_held_discard", args=[resource.dataset.name, resource.pk])}
    data = {"resource": as_json(ResourceOut, resource, request=request),
            "table": None if table is None else as_json(TableStateOut, table, request=request,
                                                        held_actions=actions if held else None)}
    if page is not None:
        data.update({
            "total": page.total, "error": page.error or None,
            "records": [{c.name: value for value, c in row} for row in page.rows],
            "next": f"{request.path}?{page.next_query}&format=json" if page.next_query else None,
            "api": base + reverse("api:table_rows", args=[resource.pk])})
    response = json_twin(data)
    response.status_code = status
    return response


def _report_context(may_edit: bool, table) -> dict:
    """The publisher sees why the last upload was refused, or the warnings of the version published."""
    if not may_edit or table is None:
        return {}
    if table.status == DatastoreTable.Status.FAILED and table.last_report:
        report, title = table.last_report, _("Why the last upload was not published")
    elif table.current is not None and table.current.report.get("warnings"):
        report, title = table.current.report, _("Validation report of the published version")
    else:
        return {}
    listed = len(report.get("errors", []))
    return {"report": report, "report_title": title,
            "more_errors": max(report.get("stats", {}).get("errors", listed) - listed, 0)}


def _held(may_edit: bool, table) -> dict | None:
    """The upload held for confirmation, as its notice shows it: only to those who may publish or discard it."""
    if not may_edit or table is None or not table.held:
        return None
    held = table.held
    reasons = held.get("reasons", {})
    return {"id": held["id"], "source_name": held.get("source_name", ""), "uploaded_at": held.get("at", ""),
            "at": parse_datetime(held.get("at", "")), "rows": held.get("row_count", 0),
            "fields": [f["name"] for f in held.get("schema", {}).get("fields", [])],
            "missing": reasons.get("missingFields", []), "no_rows": bool(reasons.get("noRows")),
            "reasons": held_reasons(reasons), "warnings": held.get("report", {}).get("warnings", []),
            "published_version": reasons.get("publishedVersion")}


def resource_status(request, name, rid):
    """The status fragment htmx polls every two seconds while the file is ingested; once done, the whole page
    reloads (HX-Refresh) to show the new table or the report."""
    resource = _resource_or_404(request, name, rid)
    table = _table(resource)
    context = _status_context(request, resource, table)
    response = render(request, "datastore/_status.html", context)
    if request.headers.get("HX-Request") and request.GET.get("polling") and not context["working"]:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def schema_edit(request, name, rid):
    resource = _resource_or_404(request, name, rid)
    table = _table(resource)
    if table is None:
        raise Http404(_("This resource has no table yet."))
    fields, retype = [], False
    for i, current in enumerate(table.schema.get("fields", [])):
        edit = {"name": current["name"]}
        for key in SCHEMA_TEXTS:
            if f"{key}-{i}" in request.POST:
                edit[key] = request.POST[f"{key}-{i}"].strip()[:2000]
        if f"dimension-{i}" in request.POST:
            edit[DIMENSION] = request.POST[f"dimension-{i}"]
        chosen = request.POST.get(f"type-{i}", current["type"])
        if chosen != current["type"]:
            edit["type"], retype = chosen, True
        fields.append(edit)
    try:
        datastore_schema_update(key=table.resource_key, schema={"fields": fields}, by=request.user)
    except SchemaError as error:
        messages.error(request, str(error))
        return redirect(_page_url(resource))
    if retype and resource_file_changed(resource=resource, by=request.user):
        messages.success(request, _("Schema saved. The file is being checked again with the new types; the "
                                    "current version stays published until it passes."))
    else:
        messages.success(request, _("Schema saved."))
    return redirect(_page_url(resource))


@require_POST
def held_publish(request, name, rid):
    """The publisher publishes the held upload anyway: it becomes the next version, served from now on."""
    return _held_decision(request, name, rid, publish=True)


@require_POST
def held_discard(request, name, rid):
    """The publisher discards the held upload; the published version stays."""
    return _held_decision(request, name, rid, publish=False)


def _held_decision(request, name, rid, *, publish: bool):
    resource = _resource_or_404(request, name, rid)
    # The upload the publisher saw: a newer one held since is not published (or discarded) unseen.
    held_id = request.POST.get("held", "")
    try:
        if publish:
            version = datastore_held_publish(key=str(resource.pk), held_id=held_id, by=request.user)
            messages.success(request, _("The new file is published as version %(n)s.") % {"n": version.number})
        else:
            datastore_held_discard(key=str(resource.pk), held_id=held_id, by=request.user)
            messages.success(request, _("The new file was discarded; the published table has not changed."))
    except NothingHeld as error:
        messages.error(request, str(error))
    return redirect(_page_url(resource))


@require_POST
def replace_file(request, name, rid):
    """The publisher uploads a new file for the resource; its table changes only if the new file passes."""
    resource = _resource_or_404(request, name, rid)
    try:
        resource_replace_file(resource=resource, by=request.user, upload=request.FILES.get("file"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("File received. It is checked before it replaces the published table."))
    return redirect(_page_url(resource))


def _page_url(resource) -> str:
    return reverse("catalog:resource", args=[resource.dataset.name, resource.pk])


def _stream(chunks, fmt: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def table_download(request, name, rid, fmt):
    """The table, or the rows the preview's filters select in its order, as CSV, JSON, XLSX or Parquet."""
    resource = _resource_or_404(request, name, rid)
    if fmt not in EXPORT_TYPES:
        raise Http404(_("Downloads are available as CSV, JSON, Parquet or XLSX."))
    try:
        ref = published_table(str(resource.pk))
    except NotPublished:
        raise Http404(_("This resource has no table yet.")) from None
    filters, words, keys = selection(ref, request.GET)
    try:
        chunks = export(ref, fmt, filters=filters, q=words or None, sort=sort_items(keys))
    except QueryError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    suffix = "-filtered" if filters or words else ""
    return _stream(chunks, fmt, (slugify(resource.title) or "table")[:80] + suffix)


def version_download(request, name, rid, number, fmt):
    """An earlier (or the current) version of the table, as it was published."""
    resource = _resource_or_404(request, name, rid)
    if fmt not in EXPORT_TYPES:
        raise Http404(_("Downloads are available as CSV, JSON, Parquet or XLSX."))
    try:
        ref = published_table(str(resource.pk), version=number)
    except NotPublished:
        raise Http404(_("There is no such version.")) from None
    try:
        chunks = export(ref, fmt)
    except QueryError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    return _stream(chunks, fmt, f"{(slugify(resource.title) or 'table')[:80]}-v{number}")
