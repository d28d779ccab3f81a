"""Every write to the catalog: datasets, resources, data requests, API keys, harvest sources and runs. Each checks
its permission with `require` before its transaction (a refusal is audited), and writes an audit event in it.

Who acts: a person (`by`), or the platform itself — a command, a scheduled task, the harvester — which passes
`by=None, system=True` and is named in the audit log by its actor label (`require` checks nothing for it, and
refuses a `by=None` that does not say so: apertura/accounts/permissions.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.common.partial_dates import PartialDate
from apertura.common.text import fold
from apertura.common.uploads import DOCUMENT_TYPES, PARQUET, check_upload
from apertura.geo import regions as geography
from apertura.institutions.models import Institution
from apertura.participation.limits import fingerprint, limit, rate_limit_check

from . import fulltext
from .conf import max_upload_bytes
from .datastore import resource_file_changed
from .models import (
    ApiToken, DataRequest, DataRequestSupport, Dataset, HarvestRun, HarvestSource, License, Resource, Tag, Theme,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

RESOURCE_TYPES = DOCUMENT_TYPES | {"application/gzip", "application/x-bzip2", "application/x-xz", PARQUET}
# What a file's extension claims, and the sniffed types that honour the claim.
_CLAIMS = {
    ".csv": {"text/csv", "text/plain"}, ".tsv": {"text/csv", "text/plain"}, ".txt": {"text/plain", "text/csv"},
    ".json": {"text/plain", "text/csv"}, ".geojson": {"text/plain", "text/csv"},
    ".pdf": {"application/pdf"}, ".zip": {"application/zip"}, ".gz": {"application/gzip"},
    ".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
    ".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
    ".ods": {"application/vnd.oasis.opendocument.spreadsheet", "application/zip"},
    ".parquet": {PARQUET}, ".png": {"image/png"}, ".jpg": {"image/jpeg"}, ".jpeg": {"image/jpeg"},
}
_FORMATS = {
    "text/csv": "CSV", "application/pdf": "PDF", "application/zip": "ZIP", "application/gzip": "GZ",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS", "image/png": "PNG", "image/jpeg": "JPEG",
    "text/plain": "TXT", PARQUET: "PARQUET",
}
DATASET_FIELDS = {"title", "description", "license", "contact_name", "contact_email", "temporal_start",
                  "temporal_end", "spatial", "frequency", "legal_basis", "state", "tags", "themes", "commitments",
                  "name"}

SELF_PUBLISHER = "apertura catalog publish-self"  # the actor label of the platform publishing its own data


def _partial(value: object, field: str) -> PartialDate | None:
    if value in (None, ""):
        return None
    if isinstance(value, PartialDate):
        return value
    try:
        return PartialDate.parse(str(value))
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def _tags(names: Iterable[object] | None) -> list[Tag]:
    cleaned: list[str] = []
    for raw in names or ():
        name = " ".join(str(raw).split())[:100]
        if name and name.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(name)
    return [Tag.objects.get_or_create(name=name)[0] for name in cleaned]


def _themes(codes: Iterable[Any] | None) -> list[Theme]:
    codes = [str(code) for code in codes or ()]
    found = list(Theme.objects.filter(code__in=codes))
    missing = set(codes) - {theme.code for theme in found}
    if missing:
        raise ValidationError({"themes": _("Unknown themes: %(codes)s.") % {"codes": ", ".join(sorted(missing))}})
    return found


def _license(value: License | str) -> License:
    if isinstance(value, License):
        return value
    found = License.objects.filter(pk=value).first()
    if found is None:
        raise ValidationError({"license": _("Unknown license «%(id)s».") % {"id": value}})
    return found


def dataset_reindex(dataset: Dataset) -> None:
    """Refresh the folded search columns from the dataset, its keywords, themes, publisher and resources."""
    tags = [tag.name for tag in dataset.tags.all()]
    themes = [f"{theme.label_es} {theme.label_en}" for theme in dataset.themes.all()]
    publisher = dataset.publisher
    resources = [f"{r.title} {r.format}" for r in dataset.resources.all()]
    places = [geography.names().get(code, "") for code in dataset.spatial or []]
    dataset.title_text = fold(" ".join([dataset.name.replace("-", " "), dataset.title, *tags]))
    dataset.search_text = fold(" ".join([
        dataset.title_text, dataset.description, *themes, publisher.acronym, publisher.name_es, publisher.name_en,
        dataset.legal_basis, *resources, *places]))
    dataset.spatial_index = geography.spatial_index(dataset.spatial or [])
    Dataset.objects.filter(pk=dataset.pk).update(
        title_text=dataset.title_text, search_text=dataset.search_text, spatial_index=dataset.spatial_index)
    fulltext.index([dataset])


def _apply(dataset: Dataset, values: dict[str, Any]) -> dict[str, Any]:
    """Set the dataset's fields from `values`; return the many-to-many values to set after saving."""
    unknown = set(values) - DATASET_FIELDS
    if unknown:
        raise TypeError(f"unknown dataset fields: {sorted(unknown)}")
    related: dict[str, Any] = {}
    for field, value in values.items():
        if field in {"tags", "themes", "commitments"}:
            related[field] = value
        elif field == "license":
            dataset.license = _license(value)
        elif field in {"temporal_start", "temporal_end"}:
            date = _partial(value, field)
            setattr(dataset, field, date.date if date else None)
            setattr(dataset, f"{field}_precision", date.precision if date else "day")
        elif field == "spatial":
            dataset.spatial = sorted({str(code).strip() for code in value or [] if str(code).strip()})
        elif isinstance(value, str):
            setattr(dataset, field, value.strip())
        else:
            setattr(dataset, field, value)
    return related


def _set_related(dataset: Dataset, related: dict[str, Any]) -> None:
    if "tags" in related:
        dataset.tags.set(_tags(related["tags"]))
    if "themes" in related:
        dataset.themes.set(_themes(related["themes"]))
    if "commitments" in related:
        dataset.commitments.set(related["commitments"] or [])


def dataset_create_check(*, by: User, publisher: Institution) -> None:
    """Refuse, and log, publishing for an institution the user does not edit for (before any transaction: the CKAN
    API asks before the transaction that creates the dataset and its resources together)."""
    require("catalog.publish_for", by=by, obj=publisher, why=f"{by} may not publish for {publisher.acronym}")


def dataset_create(*, by: User, publisher: Institution, name: str = "", title: str, description: str,
                   license: License | str, **values: Any) -> Dataset:
    """Create a dataset for `publisher`; `values` are the other fields (tags, themes, spatial, state…)."""
    dataset_create_check(by=by, publisher=publisher)
    with transaction.atomic():
        dataset = Dataset(publisher=publisher)
        name = name.strip() or slugify(title)[:90]
        related = _apply(dataset, {"name": name, "title": title, "description": description, "license": license,
                                   **values})
        dataset.full_clean()
        dataset.save()
        _set_related(dataset, related)
        dataset_reindex(dataset)
        audit_record(action="dataset.create", obj_type="dataset", obj_id=dataset.pk, actor=by,
                     summary=dataset.name, data={"publisher": publisher.acronym, "state": dataset.state})
        return dataset


def dataset_change_check(*, by: User | None, dataset: Dataset, system: bool = False) -> None:
    """Refuse, and log, changing a dataset (its metadata, its resources) for someone who may not: the services that
    change one call it, and so do the pages before they read a form sent by someone who may not."""
    require("catalog.change_dataset", by=by, obj=dataset, system=system,
            why=_("Only editors of the publishing institution change this dataset."))


def dataset_update(*, dataset: Dataset, by: User, **values: Any) -> Dataset:
    """Change a dataset's metadata (any of DATASET_FIELDS); `modified` moves to now."""
    dataset_change_check(by=by, dataset=dataset)
    try:
        with transaction.atomic():
            related = _apply(dataset, values)
            dataset.modified = timezone.now()
            dataset.full_clean()
            dataset.save()
            _set_related(dataset, related)
            dataset_reindex(dataset)
            audit_record(action="dataset.update", obj_type="dataset", obj_id=dataset.pk, actor=by,
                         summary=dataset.name, data={"fields": sorted(values), "state": dataset.state})
    except ValidationError:
        dataset.refresh_from_db()  # a refused change leaves the caller's dataset as it is stored
        raise
    return dataset


def _check_claim(name: str, content_type: str) -> None:
    suffix = PurePath(name).suffix.lower()
    expected = _CLAIMS.get(suffix)
    if expected is not None and content_type not in expected:
        raise ValidationError({"file": _("«%(name)s» claims to be %(suffix)s but its content is %(kind)s.") % {
            "name": name, "suffix": suffix, "kind": content_type}})


def resource_add(*, dataset: Dataset, by: User, title: str = "", description: str = "", format: str = "",  # noqa: A002
                 url: str = "", upload: UploadedFile | None = None) -> Resource:
    """Add a file (streamed to storage, checked, hashed) or a link to a dataset."""
    dataset_change_check(by=by, dataset=dataset)
    if bool(url) == bool(upload):
        raise ValidationError(_("Give either a file or a link."))
    with transaction.atomic():
        resource = Resource(dataset=dataset, url=url.strip(), description=description.strip(),
                            position=dataset.resources.count())
        if upload is not None:
            checked = check_upload(upload, max_bytes=max_upload_bytes(), allowed=RESOURCE_TYPES)
            assert upload.name is not None  # Django names every uploaded file
            _check_claim(upload.name, checked.content_type)
            resource.original_name = upload.name[:255]
            resource.media_type, resource.size, resource.sha256 = (
                checked.content_type, checked.size, checked.sha256)
            suffix = PurePath(upload.name).suffix.lstrip(".").upper()
            resource.format = (format or suffix or _FORMATS.get(checked.content_type, "")).upper()[:20]
            resource.file.save(upload.name, upload, save=False)
        else:
            resource.format = (format or PurePath(url.split("?")[0]).suffix.lstrip(".")).upper()[:20]
        resource.title = title.strip() or ((upload.name or "") if upload is not None else url)[:300]
        resource.full_clean()
        resource.save()
        Dataset.objects.filter(pk=dataset.pk).update(modified=timezone.now())
        dataset.refresh_from_db(fields=["modified"])
        dataset_reindex(dataset)
        audit_record(action="resource.add", obj_type="dataset", obj_id=dataset.pk, actor=by, summary=resource.title,
                     data={"resource": str(resource.pk), "sha256": resource.sha256, "url": resource.url})
        if upload is not None:
            resource_file_changed(resource=resource, by=by)  # a tabular file is ingested once this commits
        return resource


def resource_replace_file(*, resource: Resource, by: User, upload: UploadedFile | None) -> Resource:
    """A new file for an uploaded resource. The old file stays in storage (the resource's history points to it), and
    a table made from it stays served until the new file passes the datastore's checks."""
    dataset = resource.dataset
    require("catalog.change_dataset", by=by, obj=dataset,
            why=_("Only editors of the publishing institution change this resource."))
    if upload is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    if not resource.file:
        raise ValidationError({"file": _("This resource is a link; add the file as a new resource.")})
    checked = check_upload(upload, max_bytes=max_upload_bytes(), allowed=RESOURCE_TYPES)
    assert upload.name is not None  # Django names every uploaded file
    _check_claim(upload.name, checked.content_type)
    with transaction.atomic():
        previous = resource.file.name
        resource.original_name = upload.name[:255]
        resource.media_type, resource.size, resource.sha256 = checked.content_type, checked.size, checked.sha256
        suffix = PurePath(upload.name).suffix.lstrip(".").upper()
        resource.format = (suffix or resource.format)[:20]
        resource.file.save(upload.name, upload, save=False)
        resource.modified = timezone.now()
        resource.full_clean()
        resource.save()
        Dataset.objects.filter(pk=dataset.pk).update(modified=resource.modified)
        audit_record(action="resource.replace", obj_type="dataset", obj_id=dataset.pk, actor=by,
                     summary=resource.title, data={"resource": str(resource.pk), "sha256": resource.sha256,
                                                   "previous_file": previous})
        resource_file_changed(resource=resource, by=by)  # a tabular file is ingested once this commits
        return resource


def data_request_check(*, by: User) -> None:
    """Refuse, and log, a data request (or support for one) from someone who may not: not signed in, not active,
    or suspended. The request page calls it before it reads the form of someone who may not."""
    require("catalog.request_data", by=by,
            why=_("Sign in with an active account that is not suspended to request data."))


def data_request_create(*, by: User, institution: Institution, title: str, description: str,
                        address: str | None = None) -> DataRequest:
    """A contributor asks `institution` for data. A public submission, so it has participation's safeguards: at
    most so many per account and per `address` (the client's IP) in a window, and the same text from the same person
    within APERTURA_PARTICIPATION_DUPLICATE_HOURS refused as a duplicate (both ValidationErrors, so the form keeps
    what was typed; a rate limit has the code "rate_limited")."""
    data_request_check(by=by)
    rate_limit_check(action="data_request", user=by, address=address)
    print_ = fingerprint(title, description)
    since = timezone.now() - dt.timedelta(hours=limit("APERTURA_PARTICIPATION_DUPLICATE_HOURS"))
    with transaction.atomic():
        recent = DataRequest.objects.filter(requester=by, created__gte=since).values_list("title", "description")
        if any(fingerprint(*sent) == print_ for sent in recent):
            raise ValidationError(_("You already sent this request. It is in the list; there is no need to send it "
                                    "again."), code="duplicate")
        request = DataRequest(institution=institution, title=title.strip(), description=description.strip(),
                              requester=by, requester_name=by.get_username())
        request.full_clean()
        request.save()
        audit_record(action="data_request.create", obj_type="data_request", obj_id=request.pk, actor=by,
                     summary=request.title, data={"institution": institution.acronym})
        return request


def data_request_support(*, request: DataRequest, by: User) -> bool:
    """Add the user's support; return False when they already supported it."""
    require("catalog.request_data", by=by, obj=request,
            why=_("Sign in with an active account that is not suspended to support a request."))
    with transaction.atomic():
        _support, created = DataRequestSupport.objects.get_or_create(request=request, user=by)
        if created:
            audit_record(action="data_request.support", obj_type="data_request", obj_id=request.pk, actor=by)
        return created


def data_request_mark_priority(*, request: DataRequest, by: User, priority: bool) -> DataRequest:
    """The Users Committee marks (or unmarks) a request as a priority."""
    require("catalog.mark_priority", by=by, obj=request,
            why=_("Only the secretariat of the Users Committee (administrators) sets its priorities."))
    with transaction.atomic():
        request.priority = priority
        request.save(update_fields=["priority"])
        audit_record(action="data_request.priority", obj_type="data_request", obj_id=request.pk, actor=by,
                     summary="priority" if priority else "not a priority")
        return request


def data_request_answer(*, request: DataRequest, by: User, status: str, answer: str = "",
                        planned_for: dt.date | None = None, published_url: str = "",
                        dataset: Dataset | None = None) -> DataRequest:
    """The institution answers: planned (with a date), published (with a link or dataset) or refused (why)."""
    require("catalog.answer_request", by=by, obj=request,
            why=_("Only editors of the requested institution answer."))
    if status not in {DataRequest.Status.PLANNED, DataRequest.Status.PUBLISHED, DataRequest.Status.REFUSED}:
        raise ValidationError({"status": _("Choose planned, published or refused.")})
    with transaction.atomic():
        request.status, request.answer = status, answer.strip()
        request.planned_for = planned_for if status == DataRequest.Status.PLANNED else None
        request.published_url = published_url.strip() if status == DataRequest.Status.PUBLISHED else ""
        request.dataset = dataset if status == DataRequest.Status.PUBLISHED else None
        request.answered_at = timezone.now()
        request.full_clean()
        request.save()
        audit_record(action="data_request.answer", obj_type="data_request", obj_id=request.pk, actor=by,
                     summary=status, data={"planned_for": planned_for.isoformat() if planned_for else None,
                                           "published_url": request.published_url})
        return request


def catalog_publish_self(*, by: User | None = None, site_url: str, system: bool = False) -> list[Dataset]:
    """Publish the platform's own data as datasets of the Commission (GAE): each plan (commitments, milestones,
    progress) and the data requests, with the exports as resources and their data dictionaries. Run again, it
    updates them in place (resources matched by link), so it can run on a schedule. An administrator (`by`), or
    the platform itself (`system=True`: the command and the timer)."""
    from apertura.plans.models import Plan

    from .dictionaries import plan_resources, request_resources

    require("catalog.publish_self", by=by, system=system,
            why=_("Only administrators publish the platform's own data."))
    commission = Institution.objects.filter(acronym="GAE").first()
    if commission is None:
        raise ValidationError(_("The Commission (GAE) is not among the institutions; import the plan first."))
    base = site_url.rstrip("/")
    specs: list[dict[str, Any]] = [{
        "name": f"plan-de-accion-{plan.slug}", "title": f"Plan de Acción Nacional de Gobierno Abierto {plan.slug}",
        "description": (f"{plan.title}: compromisos, hitos, instituciones responsables y avance reportado y "
                        f"validado, tal como se publican en {base}{plan.get_absolute_url()}. Se actualiza con "
                        "cada cambio en la plataforma."),
        "tags": ["gobierno abierto", "OGP", "plan de acción", "compromisos", "hitos"],
        "themes": ["gobierno-abierto", "gove"], "resources": plan_resources(plan.slug),
        "temporal": (plan.start.isoformat(), plan.end.isoformat()),
        "commitments": list(plan.commitments.all()),
    } for plan in Plan.objects.order_by("number")]
    specs.append({
        "name": "solicitudes-de-datos", "title": "Solicitudes de datos abiertos",
        "description": "Los datos que la ciudadanía pide a las instituciones, sus apoyos, las respuestas y tiempos.",
        "tags": ["datos abiertos", "solicitudes"], "themes": ["gobierno-abierto", "transparencia"],
        "resources": request_resources(), "temporal": (None, None), "commitments": [],
    })
    with transaction.atomic():
        return [_publish_spec(spec, commission=commission, base=base, by=by) for spec in specs]


# What the self-published datasets show: a write to any of these makes them stale.
SELF_SOURCES = ["plan", "commitment", "milestone", "report", "validation", "proposal", "consultation",
                "consultation_comment", "meeting", "data_request", "institution"]


def catalog_publish_self_if_changed(*, site_url: str) -> bool:
    """Publish the platform's own data again if the audit log shows a write to it since the last publication;
    cheap when nothing changed, so a timer (or the task queue) can call it every few minutes. The platform's own
    operation: it acts as the system."""
    from apertura.audit.models import AuditEvent

    last = (AuditEvent.objects.filter(action="dataset.publish_self").order_by("-created_at")
            .values_list("created_at", flat=True).first())
    changes = AuditEvent.objects.filter(object_type__in=SELF_SOURCES)
    if last is not None and not changes.filter(created_at__gt=last).exists():
        return False
    if not Institution.objects.filter(acronym="GAE").exists():
        return False
    catalog_publish_self(site_url=site_url, system=True)
    return True


def _publish_spec(spec: dict[str, Any], *, commission: Institution, base: str, by: User | None) -> Dataset:
    dataset = Dataset.objects.filter(name=spec["name"]).first() or Dataset(name=spec["name"], publisher=commission)
    created = dataset._state.adding
    related = _apply(dataset, {
        "title": spec["title"], "description": spec["description"], "license": "CC-BY-4.0", "state": "published",
        "frequency": "CONT", "temporal_start": spec["temporal"][0], "temporal_end": spec["temporal"][1],
        "spatial": [], "legal_basis": "Decreto 57-2008 art. 10", "tags": spec["tags"], "themes": spec["themes"],
        "commitments": spec["commitments"]})
    dataset.publisher, dataset.modified = commission, timezone.now()
    dataset.full_clean()
    dataset.save()
    _set_related(dataset, related)
    for position, item in enumerate(spec["resources"]):
        resource = dataset.resources.filter(url=base + item["path"]).first() or Resource(
            dataset=dataset, url=base + item["path"])
        resource.title, resource.format, resource.description = item["title"], item["format"], item["description"]
        resource.position, resource.modified = position, timezone.now()
        resource.full_clean()
        resource.save()
    dataset_reindex(dataset)
    audit_record(action="dataset.publish_self", obj_type="dataset", obj_id=dataset.pk, actor=by,
                 actor_label="" if by is not None else SELF_PUBLISHER, summary=dataset.name,
                 data={"created": created, "resources": len(spec["resources"])})
    return dataset


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, by: User, name: str) -> tuple[ApiToken, str]:
    """A new API key for `by`; returns the token and the key, which is never stored and shown only now."""
    require("catalog.publish", by=by, why=_("Only institution editors and administrators publish datasets."))
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=by, name=name.strip()[:100] or "API", digest=_token_digest(raw),
                                        prefix=raw[:8])
        audit_record(action="api_token.create", obj_type="user", obj_id=by.pk, actor=by, summary=token.name,
                     data={"token": token.pk, "prefix": token.prefix})
    return token, raw


def api_token_revoke(*, token: ApiToken, by: User) -> None:
    """Revoke a key: its owner, or an administrator."""
    require("catalog.revoke_token", by=by, obj=token, why=_("This token is not yours."))
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
        audit_record(action="api_token.revoke", obj_type="user", obj_id=token.user_id, actor=by, summary=token.name,
                     data={"token": token.pk})


def api_token_user(raw: str) -> User | None:
    """The active user a key belongs to, or None; records when the key was last used."""
    if not raw:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_token_digest(raw.strip()),
                                                           revoked__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token.user


# --- datasets kept in step with another portal (harvest.py) ------------------------------------------------------

class NameTaken(ValidationError):
    """The name is held by a dataset that did not come from this source (a local one, or another portal's)."""


def dataset_upsert(*, by: User | None, publisher: Institution, name: str, source: str, remote_id: str,
                   remote_modified: str, resources: Iterable[dict[str, str]] = (), system: bool = False,
                   actor_label: str = "", **values: Any) -> tuple[Dataset, str]:
    """Keep dataset `name` as the portal `source` publishes it (its id there `remote_id`, last modified there
    `remote_modified`): created, or updated — its fields (`values`, as formats.ckan.package_values gives them) and
    its link resources, matched by address (new ones added, the others updated, those gone from the source removed:
    their history keeps them). Nothing is written when `remote_modified` is what the last upsert saw. Returns the
    dataset and "created", "updated" or "unchanged"; raises NameTaken when a dataset not from this source has the
    name, ValidationError for a field that does not fit.

    The harvester calls it as the system (`by=None, system=True`), named in the audit log by `actor_label`; a person
    needs to publish for `publisher` and, for an update, to change the dataset."""
    require("catalog.publish_for", by=by, obj=publisher, system=system,
            why=_("Only editors of the publishing institution publish for it."))
    existing = Dataset.objects.filter(name=name).first()
    if existing is not None and (existing.harvest_source, existing.harvest_remote_id) != (source, remote_id):
        raise NameTaken(_("The name «%(name)s» is taken by a dataset not harvested from %(source)s.")
                        % {"name": name, "source": source}, code="name_taken")
    if existing is not None:
        dataset_change_check(by=by, dataset=existing, system=system)
        if existing.harvest_remote_modified == remote_modified:
            return existing, "unchanged"
    with transaction.atomic():
        dataset = (Dataset.objects.select_for_update().filter(pk=existing.pk).first() if existing is not None
                   else None) or Dataset(name=name, harvest_source=source, harvest_remote_id=remote_id)
        related = _apply(dataset, values)
        dataset.publisher, dataset.modified = publisher, timezone.now()
        dataset.harvest_remote_modified = remote_modified
        dataset.full_clean()
        dataset.save()
        _set_related(dataset, related)
        urls = []
        for position, item in enumerate(resources):
            url = str(item.get("url") or "")
            urls.append(url)
            resource = dataset.resources.filter(url=url).first() or Resource(dataset=dataset, url=url)
            resource.title = (item.get("title") or url)[:300]
            resource.description = item.get("description") or ""
            resource.format = (item.get("format") or "").upper()[:20]
            resource.position, resource.modified = position, timezone.now()
            resource.full_clean()
            resource.save()
        for gone in dataset.resources.exclude(url__in=urls):
            gone.delete()  # removed on the source; the history keeps it
        dataset_reindex(dataset)
        audit_record(action="dataset.harvest", obj_type="dataset", obj_id=dataset.pk, actor=by,
                     actor_label=actor_label if by is None else "", summary=name,
                     data={"source": source, "remote_id": remote_id, "created": existing is None})
    return dataset, "updated" if existing is not None else "created"


# --- harvest sources and their runs ---------------------------------------------------------------------------------

def harvest_manage_check(*, by: User | None, source: HarvestSource | None = None, system: bool = False) -> None:
    """Refuse, and log, managing harvest sources (or recording their runs) for anyone but administrators and the
    system; the administration pages call it before they read a form sent by someone else."""
    require("catalog.manage_harvest", by=by, obj=source, system=system,
            why=_("Only administrators configure harvest sources."))


def harvest_source_save(*, by: User, source: HarvestSource | None = None, **values: Any) -> HarvestSource:
    """Create (without `source`) or change a harvest source: url, kind, institution, frequency, enabled."""
    harvest_manage_check(by=by, source=source)
    with transaction.atomic():
        created = source is None
        source = source or HarvestSource()
        for name, value in values.items():
            setattr(source, name, value.strip() if isinstance(value, str) else value)
        source.full_clean()
        source.save()
        audit_record(action="harvest_source.create" if created else "harvest_source.update",
                     obj_type="harvest_source", obj_id=source.pk, actor=by, summary=source.url,
                     data={"kind": source.kind, "enabled": source.enabled, "frequency": source.frequency})
        return source


def harvest_source_queue(*, source: HarvestSource, by: User) -> None:
    """An administrator's «harvest now»: the run is handed to the task queue (its report appears when it ends)."""
    from .tasks import harvest_source

    harvest_manage_check(by=by, source=source)
    with transaction.atomic():
        audit_record(action="harvest_source.queue", obj_type="harvest_source", obj_id=source.pk, actor=by,
                     summary=source.url)
    harvest_source.enqueue(source.pk)


def harvest_run_start(*, source: HarvestSource, by: User | None = None, system: bool = False) -> HarvestRun:
    """The record of a run that begins now (finished by harvest_run_finish, which audits it; a run whose process
    died stays without an end, which its page shows)."""
    harvest_manage_check(by=by, source=source, system=system)
    return HarvestRun.objects.create(source=source)


def harvest_run_finish(*, run: HarvestRun, created: int, updated: int, unchanged: int,
                       skipped: Iterable[tuple[str, str]], error: str, summary: str, by: User | None = None,
                       system: bool = False, actor_label: str = "") -> HarvestRun:
    """What the run did, kept with the run; the source's last run moves to its start."""
    harvest_manage_check(by=by, source=run.source, system=system)
    run.created, run.updated, run.unchanged = created, updated, unchanged
    run.skipped = [[name, why] for name, why in skipped]
    run.error, run.finished = error, timezone.now()
    with transaction.atomic():
        run.save()
        HarvestSource.objects.filter(pk=run.source_id).update(last_run=run.started)
        audit_record(action="harvest_source.run", obj_type="harvest_source", obj_id=run.source_id, actor=by,
                     actor_label=actor_label if by is None else "", summary=summary,
                     data={"run": run.pk, "error": run.error})
    run.source.last_run = run.started
    return run
