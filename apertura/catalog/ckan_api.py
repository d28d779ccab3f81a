"""CKAN Action API compatibility: /api/3/action/<name> and /api/action/<name>, GET and POST.

The envelope, error types and HTTP status codes are CKAN 2.11's (ckan/views/api.py), so that ckanapi, ckanext-harvest,
udata and scripts written for CKAN keep working. Reads are public; `package_create` needs an API token
(created at /datasets/tokens/).

Reads go through selectors (their page sizes are CKAN's: `rows` 10 by default, at most 1,000); the one write,
package_create, maps the package with formats.ckan.package_values, as the harvester does, and writes through the
services, which check the token owner's permission.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apertura.datastore.ckan import TableNotFound, ckan_action

from . import selectors, services
from .datastore import public_keys, visible_resource
from .formats.ckan import (
    CKAN_FIELDS, group_dict, license_dict, organization_dict, package_dict, package_values, resource_dict, truthy,
)
from .models import Dataset, Resource
from .search import QuerySyntaxError

ROWS_MAX = selectors.API_ROWS_MAX
ACTIONS: dict[str, Callable] = {}
WRITES = {"package_create"}


class NotFound(Exception):
    pass


class BadParameter(Exception):
    """A parameter of the wrong type: a CKAN Validation Error on that field."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(message)


def _action(func):
    ACTIONS[func.__name__] = func
    return func


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _params(request) -> dict:
    return _without_nul(_read_params(request))


def _without_nul(value):
    """PostgreSQL text cannot hold NUL characters; no parameter needs them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    return value


def _read_params(request) -> dict:
    if request.method == "POST" and request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise BadParameter("__body", f"JSON Error: {error}") from None
        if not isinstance(data, dict):
            raise BadParameter("__body", "JSON Error: Request data must be a JSON object")
        return data
    source = request.POST if request.method == "POST" else request.GET
    data = {key: values[0] if len(values) == 1 else values for key, values in source.lists()}
    if request.method == "POST" and len(data) == 1 and next(iter(data.values())) in ("", None):
        try:  # the legacy form post whose single key is a JSON document
            legacy = json.loads(next(iter(data)))
            if isinstance(legacy, dict):
                return legacy
        except ValueError:
            pass
    data.pop("callback", None)
    return data


def _int(params: dict, key: str, default: int | None, *, maximum: int | None = None) -> int | None:
    value = params.get(key, default)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadParameter(key, "Invalid integer") from None
    if number < 0:
        raise BadParameter(key, "Must be a natural number")
    if number > 2**31:
        raise BadParameter(key, "Too large")
    return min(number, maximum) if maximum is not None else number


def _bool(params: dict, key: str, default: bool = False) -> bool:
    return truthy(params.get(key, default))


def _list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value)
    except ValueError:
        return [value]
    return loaded if isinstance(loaded, list) else [str(loaded)]


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@csrf_exempt
def action(request, action):
    func = ACTIONS.get(action)
    if func is None:
        return _json(f"Bad request: Action name not known: {action}", status=400)
    if request.method not in {"GET", "POST"}:
        return _json("Bad request: Invalid request. Please use GET or POST", status=400)
    if action in WRITES and request.method != "POST":
        return _json("Bad request: JSON Error: Invalid request. Please use POST method for your request", status=400)
    help_url = f"{_base(request)}/api/3/action/help_show?name={action}"
    try:
        result = func(request, _params(request))
    except NotFound as error:
        return _error(help_url, 404, "Not Found Error", message=f"Not found: {error}" if str(error) else "Not found")
    except PermissionDenied as error:
        return _error(help_url, 403, "Authorization Error", message=f"Access denied: {error}")
    except QuerySyntaxError as error:
        return _error(help_url, 400, "Validation Error", message=f"Search Query is invalid: {error}",
                      q=[str(error)])
    except BadParameter as error:
        return _error(help_url, 409, "Validation Error", **{error.field: [error.message]})
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {"message": " ".join(error.messages)}
        return _error(help_url, 409, "Validation Error", **fields)
    return _json({"help": help_url, "success": True, "result": result})


def _error(help_url: str, status: int, kind: str, **body) -> JsonResponse:
    return _json({"help": help_url, "success": False, "error": {"__type": kind, **body}}, status=status)


def version(request):
    return _json({"version": 3})


def _require(params: dict, key: str) -> str:
    value = params.get(key)
    if value in (None, ""):
        raise BadParameter(key, "Missing value")
    return str(value)


# --- actions -----------------------------------------------------------------------------------------------------

@_action
def package_list(request, params):
    """The names of all public datasets; `limit` and `offset` page them."""
    return selectors.package_names(offset=_int(params, "offset", 0), limit=_int(params, "limit", None))


@_action
def package_show(request, params):
    """One dataset by `id` (its id or name)."""
    name = _require(params, "id")
    try:
        return package_dict(selectors.dataset_get(name_or_id=name), _base(request))
    except Dataset.DoesNotExist:
        raise NotFound("") from None


SEARCH_FACETS = {"organization", "groups", "tags", "res_format", "license_id", "department"}


@_action
def package_search(request, params):
    """Search with q, fq, fq_list, rows, start, sort, facet.field (a JSON list), facet.limit."""
    rows = _int(params, "rows", selectors.API_ROWS, maximum=ROWS_MAX)
    start = _int(params, "start", 0)
    fq = " ".join(f"({part})" for part in [params.get("fq") or "", *_list(params.get("fq_list"))] if part)
    qs = selectors.datasets_find(q=str(params.get("q") or ""), fq=fq, sort=str(params.get("sort") or ""))
    count = qs.count()
    results = [package_dict(d, _base(request)) for d in selectors.datasets_slice(qs, start=start, rows=rows)]
    fields = [f for f in _list(params.get("facet.field")) if f in SEARCH_FACETS]
    facets = selectors.facets(qs, fields, limit=_facet_limit(params))
    return {
        "count": count, "results": results, "sort": params.get("sort") or "score desc, metadata_modified desc",
        "facets": {field: {item["name"]: item["count"] for item in items} for field, items in facets.items()},
        "search_facets": {field: {"title": field, "items": items} for field, items in facets.items()},
    }


def _facet_limit(params) -> int:
    """50 by default; a negative number means no limit, as in CKAN."""
    value = params.get("facet.limit")
    if value in (None, ""):
        return 50
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadParameter("facet.limit", "Invalid integer") from None
    return -1 if number < 0 else number


@_action
def current_package_list_with_resources(request, params):
    """Public datasets with their resources, most recently modified first."""
    limit = _int(params, "limit", 10, maximum=ROWS_MAX)
    offset = _int(params, "offset", 0)
    page = _int(params, "page", None)
    if page:
        offset = (page - 1) * limit
    return [package_dict(d, _base(request)) for d in selectors.recently_modified(offset=offset, limit=limit)]


def _named_list(qs, params, *, name_field: str, to_dict):
    items = selectors.named_page(qs, sort=str(params.get("sort") or "title asc"), name_field=name_field,
                                 offset=_int(params, "offset", 0), limit=_int(params, "limit", None))
    if _bool(params, "all_fields"):
        return [to_dict(item, package_count=item.package_count) for item in items]
    return [getattr(item, name_field) for item in items]


@_action
def organization_list(request, params):
    """The publishing institutions' names (slugs); `all_fields` for their dicts with package_count."""
    return _named_list(selectors.organizations(), params, name_field="slug", to_dict=organization_dict)


def _datasets_of(request, params, qs):
    if not _bool(params, "include_datasets"):
        return {}
    return {"packages": [package_dict(d, _base(request)) for d in selectors.datasets_slice(qs, start=0,
                                                                                             rows=ROWS_MAX)]}


@_action
def organization_show(request, params):
    """An institution by id or name, with `include_datasets` for its public datasets."""
    institution = selectors.organization_find(_require(params, "id"))
    if institution is None:
        raise NotFound("")
    datasets = selectors.datasets_of_institution(institution)
    return {**organization_dict(institution, package_count=institution.package_count), "users": [], "extras": [],
            "tags": [], "groups": [], **_datasets_of(request, params, datasets)}


@_action
def group_list(request, params):
    """The themes as CKAN groups."""
    return _named_list(selectors.themes_counted(), params, name_field="code", to_dict=group_dict)


@_action
def group_show(request, params):
    theme = selectors.theme_find(_require(params, "id"))
    if theme is None:
        raise NotFound("")
    datasets = selectors.datasets_of_theme(theme)
    return {**group_dict(theme, package_count=theme.package_count), "users": [], "extras": [], "tags": [],
            "groups": [], **_datasets_of(request, params, datasets)}


@_action
def tag_list(request, params):
    """Keywords of public datasets; `query` (or `q`) filters them."""
    qs = selectors.tags_published(str(params.get("query") or params.get("q") or ""))
    if _bool(params, "all_fields"):
        return [{"id": str(t.pk), "name": t.name, "display_name": t.name, "vocabulary_id": None} for t in qs]
    return list(qs.values_list("name", flat=True))


@_action
def license_list(request, params):
    """The license register, with which licenses are open (od_conformance "approved")."""
    return [license_dict(lic) for lic in selectors.licenses()]


@_action
def resource_show(request, params):
    try:
        resource = selectors.resource_published(_require(params, "id"))
    except Resource.DoesNotExist:
        raise NotFound("") from None
    return resource_dict(resource, resource.dataset, _base(request))


@_action
def status_show(request, params):
    """What this site is (CKAN clients read ckan_version; we answer with the API level we follow)."""
    return {"site_title": settings.SITE_NAME,
            "site_description": "Open data catalog of Guatemala's public institutions",
            "site_url": _base(request), "error_emails_to": None, "locale_default": "es",
            "extensions": ["apertura", "dcat"], "ckan_version": "2.11.0", "apertura_version": "0.1.0"}


@_action
def site_read(request, params):
    """Removed in CKAN 2.11; old clients still call it. Always true."""
    return True


def _user(request):
    """The owner of the API key in `Authorization` (raw, as CKAN sends it) or `X-CKAN-API-Key`; never a session."""
    raw = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key") or ""
    if raw.lower().startswith("bearer "):
        raw = raw[7:]
    return services.api_token_user(raw) or AnonymousUser()


@_action
def package_create(request, params):
    """Create a dataset (POST, with an API token of an editor of `owner_org`); link resources come along."""
    user = _user(request)
    if not user.is_authenticated:
        raise PermissionDenied("an API token is needed (Authorization header)")
    publisher = selectors.institution_find(str(_require(params, "owner_org")))
    if publisher is None:
        raise BadParameter("owner_org", "Organization does not exist")
    services.dataset_create_check(by=user, publisher=publisher)
    _require(params, "name")
    values = package_values(params)
    resources = values.pop("resources")
    try:
        with transaction.atomic():
            dataset = services.dataset_create(by=user, publisher=publisher, **values)
            for item in resources:
                services.resource_add(dataset=dataset, by=user, **item)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError({CKAN_FIELDS.get(k, k): v for k, v in error.message_dict.items()}) from None
    return package_dict(selectors.dataset_get(name_or_id=dataset.name, published_only=False), _base(request))


def _datastore(request, action: str, params: dict):
    """CKAN's DataStore actions, answered by the datastore (apertura/datastore/ckan.py) over the tables of resources
    the caller may see."""
    if action == "datastore_search_sql":
        keys = public_keys()
    else:
        key = str(params.get("resource_id") or params.get("id") or "")
        keys = {key} if key and visible_resource(key, _user(request)) is not None else set()
    try:
        return ckan_action(action, params, keys=keys)
    except TableNotFound as error:
        raise NotFound(str(error)) from None
    except ValueError as error:  # QueryError, SQLRefused: the request cannot be answered as asked
        raise BadParameter("query" if action == "datastore_search_sql" else "message", str(error)) from None


@_action
def datastore_search(request, params):
    """Rows of a resource's table: resource_id, filters, q, fields, sort, limit, offset (or cursor: the previous
    result's next_page, for keyset paging), include_total, records_format."""
    return _datastore(request, "datastore_search", params)


@_action
def datastore_info(request, params):
    """The fields (with their Table Schema) and size of a resource's table."""
    return _datastore(request, "datastore_info", params)


@_action
def datastore_search_sql(request, params):
    """One read-only SELECT over the tables of published resources, named by resource id (time- and row-limited)."""
    return _datastore(request, "datastore_search_sql", params)


@_action
def help_show(request, params):
    name = _require(params, "name")
    if name not in ACTIONS:
        raise NotFound(name)
    return ACTIONS[name].__doc__ or ""
