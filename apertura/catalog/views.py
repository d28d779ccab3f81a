"""Catalog pages: datasets with search and facets, dataset pages, publish/edit forms, data requests.

Thin: parse the request, call a selector or a service, render. The services check permissions (and audit refusals);
the views ask `rules.has_perm` only to decide what to show. Each page's twins (`?format=json`, `?format=csv`) are
its records as schemas.py writes them, the same the API answers."""

from __future__ import annotations

import contextlib

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import json_script
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from apertura.common.forms import form_status, submitted
from apertura.common.records import as_json, as_json_list, csv_row
from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.common.uploads import stored_file_response
from apertura.participation.limits import client_address

from . import selectors, services
from .forms import AnswerForm, DataRequestForm, DatasetForm, ResourceForm
from .formats.schemaorg import dataset_jsonld
from .models import ApiToken, DataRequest, Dataset, Resource
from .schemas import (
    DATASET_COLUMNS, REQUEST_COLUMNS, RESOURCE_COLUMNS, SUPPLY_DEMAND_COLUMNS, DataRequestOut, DatasetDetailOut,
    DatasetOut, SupplyDemandOut,
)
from .search import QuerySyntaxError


def base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _facet_links(request, facets: dict) -> dict:
    """Each facet value with the URL that adds it to the filters, or removes it when chosen."""
    for field, items in facets.items():
        chosen = request.GET.getlist(field)
        for item in items:
            params = [(k, v) for k, v in request.GET.lists() for v in v if k not in {"page", "format"}]
            item["active"] = str(item["name"]) in chosen
            if item["active"]:
                params = [(k, v) for k, v in params if not (k == field and v == str(item["name"]))]
            else:
                params.append((field, str(item["name"])))
            item["url"] = "?" + urlencode(params) if params else request.path
    return facets


def dataset_list(request):
    q, sort = request.GET.get("q", "").strip(), selectors.dataset_sort(request.GET.get("sort", ""))
    filters = {field: request.GET.getlist(field) for field in selectors.FACETS}
    error = ""
    try:
        qs = selectors.datasets_find(q=q, sort=sort, filters=filters)
        total = qs.count()
    except QuerySyntaxError as problem:
        error, qs, total = str(problem), selectors.datasets_find(qs=selectors.published().none()), 0
    fmt = requested_format(request)
    if fmt == "json":
        response = json_twin({"count": total, "error": error or None,
                              "results": as_json_list(DatasetOut, selectors.datasets_twin(qs), request=request),
                              "facets": selectors.facets(qs)})
        response.status_code = 400 if error else 200
        return response
    if fmt == "csv":
        return csv_twin("datasets.csv", DATASET_COLUMNS,
                        (csv_row(as_json(DatasetOut, d, request=request), DATASET_COLUMNS)
                         for d in selectors.with_details(qs)))
    page = selectors.datasets_page(qs, request.GET.get("page"))
    facets = _facet_links(request, selectors.facets(qs)) if not error else {}
    params = request.GET.copy()
    params.pop("format", None)

    def page_url(number):
        params["page"] = number
        return "?" + params.urlencode()
    return render(request, "catalog/dataset_list.html", {
        "page": page, "total": total, "q": q, "sort": sort, "sorts": selectors.SORTS, "facets": facets,
        "error": error,
        "facet_titles": {"organization": _("Institution"), "groups": _("Theme"), "tags": _("Keyword"),
                         "res_format": _("Format"), "license_id": _("License"), "department": _("Department")},
        "may_publish": rules.has_perm("catalog.publish", request.user),
        "prev_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
    }, status=400 if error else 200)


def _dataset_or_404(request, name) -> Dataset:
    try:
        dataset = selectors.dataset_get(name_or_id=name, published_only=False)
    except Dataset.DoesNotExist:
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name}) from None
    if not rules.has_perm("catalog.view_dataset", request.user, dataset):
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name})
    return dataset


def dataset_detail(request, name):
    dataset = _dataset_or_404(request, name)
    fmt = requested_format(request)
    if fmt in {"json", "csv"}:
        data = as_json(DatasetDetailOut, dataset, request=request)
        if fmt == "json":
            return json_twin(data)
        return csv_twin(f"dataset-{dataset.name}-resources.csv", RESOURCE_COLUMNS,
                        (csv_row(resource, RESOURCE_COLUMNS) for resource in data["resources"]))
    # json_script escapes <, > and &; only the script's type changes.
    jsonld = mark_safe(json_script(dataset_jsonld(dataset, base_url(request))).replace(  # noqa: S308
        'type="application/json"', 'type="application/ld+json"', 1))
    return render(request, "catalog/dataset_detail.html", {
        "dataset": dataset, "jsonld": jsonld, "requests": selectors.dataset_requests(dataset),
        "may_edit": rules.has_perm("catalog.change_dataset", request.user, dataset)})


def resource_download(request, name, rid):
    dataset = _dataset_or_404(request, name)
    try:
        resource = selectors.uploaded_resource(dataset, rid)
    except Resource.DoesNotExist:
        raise Http404(_("There is no such file.")) from None
    response = stored_file_response(resource.file, content_type=resource.media_type,
                                    filename=resource.original_name or "resource")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
def dataset_create(request):
    institutions = selectors.publishable_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied(_("Only institution editors and administrators publish datasets."))
    form = DatasetForm(request.POST or None, institutions=institutions)
    done = submitted(request, form, lambda data: services.dataset_create(
        by=request.user, publisher=data["publisher"], **form.values()))
    if done is not None:
        messages.success(request, _("Dataset saved."))
        return redirect(done.value.get_absolute_url())
    return render(request, "catalog/dataset_form.html", {"form": form, "dataset": None}, status=form_status(form))


def _may_change(request, dataset) -> None:
    """The forms that change a dataset are shown only to those who may; a form sent by anyone else is refused by the
    service's check (and the refusal audited) before it is read."""
    if request.method == "POST":
        services.dataset_change_check(by=request.user, dataset=dataset)
    elif not rules.has_perm("catalog.change_dataset", request.user, dataset):
        raise PermissionDenied(_("Only editors of the publishing institution change this dataset."))


@login_required
def dataset_edit(request, name):
    dataset = _dataset_or_404(request, name)
    _may_change(request, dataset)
    form = DatasetForm(request.POST or None, institutions=selectors.publisher_of(dataset),
                       initial=DatasetForm.initial_for(dataset))
    done = submitted(request, form, lambda data: services.dataset_update(dataset=dataset, by=request.user,
                                                                          **form.values()))
    if done is not None:
        messages.success(request, _("Dataset saved."))
        return redirect(dataset.get_absolute_url())
    return render(request, "catalog/dataset_form.html", {"form": form, "dataset": dataset},
                  status=form_status(form))


@login_required
def resource_create(request, name):
    dataset = _dataset_or_404(request, name)
    _may_change(request, dataset)
    form = ResourceForm(request.POST or None, request.FILES or None)
    done = submitted(request, form, lambda data: services.resource_add(
        dataset=dataset, by=request.user, title=data["title"], description=data["description"],
        format=data["format"], url=data["url"] or "", upload=data["file"]))
    if done is not None:
        messages.success(request, _("Resource added."))
        return redirect(dataset.get_absolute_url())
    return render(request, "catalog/resource_form.html", {"form": form, "dataset": dataset},
                  status=form_status(form))


# --- data requests -----------------------------------------------------------------------------------------------

def request_list(request):
    status = request.GET.get("status", "")
    status = status if status in DataRequest.Status.values else ""
    institution = request.GET.get("institution", "").replace("\x00", "")
    requests = list(selectors.data_requests(status=status, institution=institution))
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({"requests": as_json_list(DataRequestOut, requests, request=request)})
    if fmt == "csv":
        return csv_twin("data-requests.csv", REQUEST_COLUMNS,
                        (csv_row(as_json(DataRequestOut, r, request=request), REQUEST_COLUMNS) for r in requests))
    return render(request, "catalog/request_list.html", {
        "requests": requests, "statuses": DataRequest.Status.choices, "status": status,
        "institutions": selectors.public_entities(), "institution": institution})


@login_required
def request_create(request):
    if request.method == "POST":
        services.data_request_check(by=request.user)  # refused, and audited, before the form is read
    elif not rules.has_perm("catalog.request_data", request.user):
        raise PermissionDenied(_("Sign in with an active account that is not suspended to request data."))
    form = DataRequestForm(request.POST or None)
    form.fields["institution"].queryset = selectors.public_entities()
    done = submitted(request, form, lambda data: services.data_request_create(
        by=request.user, institution=data["institution"], title=data["title"], description=data["description"],
        address=client_address(request)))
    if done is not None:
        messages.success(request, _("Your request was published."))
        return redirect(done.value.get_absolute_url())
    return render(request, "catalog/request_form.html", {"form": form}, status=form_status(form))


def request_detail(request, pk):
    try:
        data_request = selectors.data_request_get(pk)
    except DataRequest.DoesNotExist:
        raise Http404(_("There is no such data request.")) from None
    if requested_format(request) == "json":
        return json_twin(as_json(DataRequestOut, data_request, request=request))
    may_answer = rules.has_perm("catalog.answer_request", request.user, data_request)
    form = AnswerForm(request.POST or None) if may_answer else None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if "priority" in request.POST:
            services.data_request_mark_priority(request=data_request, by=request.user,
                                                priority=request.POST["priority"] == "1")
            messages.success(request, _("Priority saved."))
            return redirect(data_request.get_absolute_url())
        if "support" in request.POST:
            if services.data_request_support(request=data_request, by=request.user):
                messages.success(request, _("Your support was counted."))
            else:
                messages.info(request, _("You already support this request."))
            return redirect(data_request.get_absolute_url())
        if form is None:
            # Not theirs to answer: the service refuses it (and audits the refusal) before reading anything else.
            with contextlib.suppress(ValidationError):
                services.data_request_answer(request=data_request, by=request.user,
                                             status=request.POST.get("status", ""))
            raise PermissionDenied(_("Only editors of the requested institution answer."))
        done = submitted(request, form, lambda data: services.data_request_answer(
            request=data_request, by=request.user, **data))
        if done is not None:
            messages.success(request, _("Answer published."))
            return redirect(data_request.get_absolute_url())
    return render(request, "catalog/request_detail.html", {
        "r": data_request, "form": form,
        "supported": selectors.data_request_supported(data_request, request.user),
        "may_support": not request.user.is_authenticated or rules.has_perm("catalog.request_data", request.user),
        "may_prioritise": rules.has_perm("catalog.mark_priority", request.user)},
        status=form_status(form) if form is not None else 200)


def supply_and_demand(request):
    """For the Open Data Users Committee: what each institution publishes beside what is asked of it."""
    rows = selectors.supply_and_demand()
    fmt = requested_format(request)
    if fmt in {"json", "csv"}:
        data = as_json_list(SupplyDemandOut, rows, request=request)
        if fmt == "json":
            return json_twin({"institutions": data})
        return csv_twin("supply-and-demand.csv", SUPPLY_DEMAND_COLUMNS,
                        (csv_row(row, SUPPLY_DEMAND_COLUMNS) for row in data))
    return render(request, "catalog/supply_demand.html", {"rows": rows})


@login_required
def token_list(request):
    """The signed-in publisher's API tokens for the CKAN Action API; a new key is shown once."""
    if request.method != "POST" and not rules.has_perm("catalog.publish", request.user):
        raise PermissionDenied(_("Only institution editors and administrators publish datasets."))
    new_key = ""
    if request.method == "POST":
        if "revoke" in request.POST:
            try:
                token = selectors.api_token_of(request.user, int(request.POST["revoke"]))
            except (ValueError, ApiToken.DoesNotExist):
                raise Http404(_("There is no such token.")) from None
            services.api_token_revoke(token=token, by=request.user)
            messages.success(request, _("Token revoked."))
            return redirect("catalog:tokens")
        _token, new_key = services.api_token_create(by=request.user, name=request.POST.get("name", ""))
    response = render(request, "catalog/token_list.html", {
        "tokens": selectors.api_tokens(request.user), "new_key": new_key})
    response["Cache-Control"] = "no-store"
    return response
