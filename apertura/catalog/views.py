"""Catalog pages: datasets with search and facets, dataset pages, publish/edit forms, data requests."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import json_script
from django.utils.safestring import mark_safe
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apertura.accounts.roles import roles_of
from apertura.common.twins import csv_twin, json_twin, requested_format
from apertura.common.uploads import stored_file_response
from apertura.institutions.models import Institution

from . import selectors, services
from .dictionaries import REQUEST_COLUMNS
from .forms import AnswerForm, DataRequestForm, DatasetForm, ResourceForm
from .formats.ckan import package_dict
from .formats.schemaorg import dataset_jsonld
from .models import ApiToken, DataRequest, Dataset, Resource
from .search import QuerySyntaxError, field_filter

PAGE_SIZE = 20
SORTS = [("score desc, metadata_modified desc", gettext_lazy("Relevance")),
         ("metadata_modified desc", gettext_lazy("Last modified")), ("title_string asc", gettext_lazy("Title"))]


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
    q, sort = request.GET.get("q", "").strip(), request.GET.get("sort", "")
    if sort not in dict(SORTS):
        sort = ""
    qs, error = selectors.published(), ""
    try:
        for field in selectors.FACETS:
            for value in request.GET.getlist(field):
                qs = qs.filter(field_filter(field, value))
        qs = selectors.datasets_find(q=q, sort=sort, qs=qs)
        total = qs.count()
    except QuerySyntaxError as problem:
        error, qs, total = str(problem), selectors.datasets_find(qs=selectors.published().none()), 0
    fmt = requested_format(request)
    if fmt == "json":
        base = base_url(request)
        response = json_twin({"count": total, "error": error or None,
                              "results": [package_dict(d, base) for d in selectors.with_details(qs)[:1000]],
                              "facets": selectors.facets(qs)})
        response.status_code = 400 if error else 200
        return response
    if fmt == "csv":
        return csv_twin("datasets.csv", ["name", "title", "publisher", "license", "keywords", "themes", "formats",
                                         "modified", "url"],
                        ([d.name, d.title, d.publisher.acronym, d.license_id, "; ".join(t.name for t in d.tags.all()),
                          "; ".join(t.code for t in d.themes.all()),
                          "; ".join(sorted({r.format for r in d.resources.all() if r.format})),
                          d.modified.isoformat(), base_url(request) + d.get_absolute_url()]
                         for d in selectors.with_details(qs)))
    page = Paginator(selectors.with_details(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    facets = _facet_links(request, selectors.facets(qs)) if not error else {}
    params = request.GET.copy()
    params.pop("format", None)

    def page_url(number):
        params["page"] = number
        return "?" + params.urlencode()
    return render(request, "catalog/dataset_list.html", {
        "page": page, "total": total, "q": q, "sort": sort, "sorts": SORTS, "facets": facets, "error": error,
        "facet_titles": {"organization": _("Institution"), "groups": _("Theme"), "tags": _("Keyword"),
                         "res_format": _("Format"), "license_id": _("License"), "department": _("Department")},
        "may_publish": rules.has_perm("catalog.publish", request.user),
        "prev_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
    }, status=400 if error else 200)


def _dataset_or_404(request, name) -> Dataset:
    try:
        dataset = selectors.dataset_get(name_or_id=name, qs=Dataset.objects.all())
    except Dataset.DoesNotExist:
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name}) from None
    if not rules.has_perm("catalog.view_dataset", request.user, dataset):
        raise Http404(_("There is no dataset «%(name)s».") % {"name": name})
    return dataset


def dataset_detail(request, name):
    dataset = _dataset_or_404(request, name)
    base = base_url(request)
    if requested_format(request) == "json":
        return json_twin(package_dict(dataset, base))
    if requested_format(request) == "csv":
        return csv_twin(f"dataset-{dataset.name}-resources.csv",
                        ["id", "title", "format", "url", "media_type", "size", "sha256"],
                        ([str(r.pk), r.title, r.format, base + r.download_path() if r.file else r.url, r.media_type,
                          r.size, r.sha256] for r in dataset.resources.all()))
    # json_script escapes <, > and &; only the script's type changes.
    jsonld = mark_safe(json_script(dataset_jsonld(dataset, base)).replace(  # noqa: S308
        'type="application/json"', 'type="application/ld+json"', 1))
    return render(request, "catalog/dataset_detail.html", {
        "dataset": dataset, "jsonld": jsonld, "requests": dataset.requests.all(),
        "may_edit": rules.has_perm("catalog.change_dataset", request.user, dataset)})


def resource_download(request, name, rid):
    dataset = _dataset_or_404(request, name)
    resource = get_object_or_404(Resource.objects.exclude(file=""), pk=rid, dataset=dataset)
    response = stored_file_response(resource.file, content_type=resource.media_type,
                                    filename=resource.original_name or "resource")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _publishable_institutions(user):
    if roles_of(user).is_administrator:
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=roles_of(user).edits)


@login_required
def dataset_create(request):
    institutions = _publishable_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied(_("Only institution editors and administrators publish datasets."))
    form = DatasetForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.dataset_create(by=request.user, publisher=form.cleaned_data["publisher"],
                                              **form.values())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Dataset saved."))
            return redirect(dataset.get_absolute_url())
    return render(request, "catalog/dataset_form.html", {"form": form, "dataset": None})


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@login_required
def dataset_edit(request, name):
    dataset = _dataset_or_404(request, name)
    if not rules.has_perm("catalog.change_dataset", request.user, dataset):
        raise PermissionDenied(_("Only editors of the publishing institution change this dataset."))
    institutions = Institution.objects.filter(pk=dataset.publisher_id)
    form = DatasetForm(request.POST or None, institutions=institutions, initial=DatasetForm.initial_for(dataset))
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_update(dataset=dataset, by=request.user, **form.values())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Dataset saved."))
            return redirect(dataset.get_absolute_url())
    return render(request, "catalog/dataset_form.html", {"form": form, "dataset": dataset})


@login_required
def resource_create(request, name):
    dataset = _dataset_or_404(request, name)
    if not rules.has_perm("catalog.change_dataset", request.user, dataset):
        raise PermissionDenied(_("Only editors of the publishing institution change this dataset."))
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.resource_add(dataset=dataset, by=request.user, title=data["title"],
                                  description=data["description"], format=data["format"], url=data["url"] or "",
                                  upload=data["file"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Resource added."))
            return redirect(dataset.get_absolute_url())
    return render(request, "catalog/resource_form.html", {"form": form, "dataset": dataset})


# --- data requests -----------------------------------------------------------------------------------------------

def _request_data(r: DataRequest) -> dict:
    return {"id": r.pk, "title": r.title, "description": r.description, "institution": r.institution.acronym,
            "status": r.status, "priority": r.priority, "supports": r.support_count, "requested": r.created,
            "answered": r.answered_at, "days_to_answer": r.days_to_answer, "answer": r.answer,
            "planned_for": r.planned_for, "published_url": r.published_url or None,
            "dataset": r.dataset.name if r.dataset else None, "url": r.get_absolute_url()}


def request_list(request):
    status = request.GET.get("status", "")
    status = status if status in DataRequest.Status.values else ""
    institution = request.GET.get("institution", "").replace("\x00", "")
    requests = list(selectors.data_requests(status=status, institution=institution))
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({"requests": [_request_data(r) for r in requests]})
    if fmt == "csv":
        return csv_twin("data-requests.csv", REQUEST_COLUMNS,
                        ([row[k] for k in REQUEST_COLUMNS] for row in map(_request_data, requests)))
    return render(request, "catalog/request_list.html", {
        "requests": requests, "statuses": DataRequest.Status.choices, "status": status,
        "institutions": Institution.objects.filter(kind=Institution.Kind.PUBLIC_ENTITY),
        "institution": institution})


@login_required
def request_create(request):
    form = DataRequestForm(request.POST or None)
    form.fields["institution"].queryset = Institution.objects.filter(kind=Institution.Kind.PUBLIC_ENTITY)
    if request.method == "POST" and form.is_valid():
        created = services.data_request_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("Your request was published."))
        return redirect(created.get_absolute_url())
    return render(request, "catalog/request_form.html", {"form": form})


def request_detail(request, pk):
    data_request = get_object_or_404(selectors.data_requests(), pk=pk)
    if requested_format(request) == "json":
        return json_twin(_request_data(data_request))
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
            raise PermissionDenied(_("Only editors of the requested institution answer."))
        if form.is_valid():
            try:
                services.data_request_answer(request=data_request, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Answer published."))
                return redirect(data_request.get_absolute_url())
    supported = request.user.is_authenticated and data_request.supports.filter(user=request.user).exists()
    return render(request, "catalog/request_detail.html", {
        "r": data_request, "form": form, "supported": supported,
        "may_prioritise": rules.has_perm("catalog.mark_priority", request.user)})


def supply_and_demand(request):
    """For the Open Data Users Committee: what each institution publishes beside what is asked of it."""
    rows = selectors.supply_and_demand()
    columns = ["datasets", "requests", "open", "planned", "published", "refused", "supports", "priorities",
               "median_days"]
    fmt = requested_format(request)
    if fmt == "json":
        return json_twin({"institutions": [{"institution": row["institution"].acronym,
                                            **{c: row[c] for c in columns}} for row in rows]})
    if fmt == "csv":
        return csv_twin("supply-and-demand.csv", ["institution", *columns],
                        ([row["institution"].acronym, *[row[c] for c in columns]] for row in rows))
    return render(request, "catalog/supply_demand.html", {"rows": rows})


@login_required
def token_list(request):
    """The signed-in publisher's API tokens for the CKAN Action API; a new key is shown once."""
    if not rules.has_perm("catalog.publish", request.user):
        raise PermissionDenied(_("Only institution editors and administrators publish datasets."))
    new_key = ""
    if request.method == "POST":
        if "revoke" in request.POST:
            if not request.POST["revoke"].isdigit():
                raise Http404(_("There is no such token."))
            token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=request.user)
            services.api_token_revoke(token=token, by=request.user)
            messages.success(request, _("Token revoked."))
            return redirect("catalog:tokens")
        _token, new_key = services.api_token_create(by=request.user, name=request.POST.get("name", ""))
    response = render(request, "catalog/token_list.html", {
        "tokens": ApiToken.objects.filter(user=request.user), "new_key": new_key})
    response["Cache-Control"] = "no-store"
    return response
