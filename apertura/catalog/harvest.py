"""Harvesting another CKAN portal (or another Apertura) through its Action API, or a DCAT catalog: incremental
and idempotent.

Pages through `package_search` as ckanext-harvest does (rows=100, start, sort=id asc, and
`metadata_modified:[since TO *]` for incremental runs). Each dataset is written in its own transaction, so a source
that fails half-way (timeout, HTML, malformed JSON) loses nothing already imported; the report says what happened.
Institutions are curated, never invented: a dataset whose organization is not known here is skipped and reported.
"""

from __future__ import annotations

import functools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.audit.services import audit_record
from apertura.institutions.models import Institution

from . import conf
from .models import Dataset, Frequency, HarvestRun, HarvestSource, License, Resource, Theme
from .services import _apply, _set_related, dataset_reindex

ROWS = 100
ACTOR = "apertura harvester"
# CKAN's default license ids → this register's.
LICENSES = {"cc-by": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0", "cc-zero": "CC0-1.0", "cc0-1.0": "CC0-1.0",
            "odc-odbl": "ODbL-1.0", "odbl-1.0": "ODbL-1.0", "cc-by-sa": "CC-BY-SA-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
            "other-open": "other-open", "other-closed": "other-closed", "notspecified": "other-closed"}


class HarvestError(Exception):
    """The source could not be read; the message says why."""


@dataclass
class HarvestReport:
    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    def lines(self) -> list[str]:
        out = [f"{self.source}: {len(self.created)} created, {len(self.updated)} updated, "
               f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"]
        out += [f"  skipped {name}: {why}" for name, why in self.skipped]
        if self.error:
            out.append(f"  stopped: {self.error}")
        return out


def _download(url: str, *, accept: str, limit: int, timeout: float, deadline: float | None) -> tuple[str, bytes]:
    """GET a URL within `timeout` seconds for the whole answer (or by `deadline`, a time.monotonic() value, if that
    comes first), at most `limit` bytes. A per-read timeout is not enough: a source sending one byte every few
    seconds never trips it, and would keep a harvest busy for ever."""
    until = time.monotonic() + timeout
    if deadline is not None:
        until = min(until, deadline)
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "apertura-harvester"})
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(request, timeout=max(0.1, until - time.monotonic())) as response:  # noqa: S310
            kind = response.headers.get_content_type()
            while chunk := response.read1(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise HarvestError(f"{url} sent more than {limit // (1024 * 1024)} MB; not read further")
                if time.monotonic() > until:
                    raise HarvestError(f"{url} did not finish sending its answer within {timeout:g} s") from None
                chunks.append(chunk)
    except TimeoutError:
        raise HarvestError(f"{url} did not answer within {timeout:g} s") from None
    except urllib.error.HTTPError as error:
        raise HarvestError(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise HarvestError(f"{url} could not be reached ({getattr(error, 'reason', error)})") from None
    return kind, b"".join(chunks)


def fetch_json(url: str, *, timeout: float = 30, deadline: float | None = None) -> dict:
    """GET a URL and return its JSON; raise HarvestError on timeouts, HTTP errors, HTML or malformed JSON."""
    kind, body = _download(url, accept="application/json", limit=50 * 1024 * 1024, timeout=timeout,
                           deadline=deadline)
    if "json" not in kind and "javascript" not in kind:
        raise HarvestError(f"{url} returned {kind}, not JSON")
    try:
        return json.loads(body)
    except ValueError as error:
        raise HarvestError(f"{url} returned malformed JSON ({error})") from None


def _institution(organization) -> Institution | None:
    if not isinstance(organization, dict):
        return None
    keys = [str(organization.get(k) or "") for k in ("name", "title")]
    lookup = Q()
    for key in filter(None, keys):
        lookup |= Q(slug__iexact=key) | Q(acronym__iexact=key) | Q(name_es__iexact=key)
    return Institution.objects.filter(lookup).first() if lookup else None


def _values(package: dict) -> dict:
    extras = {e.get("key"): e.get("value") for e in package.get("extras") or [] if isinstance(e, dict)}
    themes = set(Theme.objects.values_list("code", flat=True))
    license_id = LICENSES.get(str(package.get("license_id") or "").lower(), package.get("license_id"))
    if not License.objects.filter(pk=license_id).exists():
        license_id = "other-closed"
    return {
        "title": str(package.get("title") or package["name"])[:300],
        "description": str(package.get("notes") or package.get("title") or package["name"]),
        "license": license_id, "state": Dataset.State.PUBLISHED,
        "tags": [t["name"] for t in package.get("tags") or [] if isinstance(t, dict) and t.get("name")],
        "themes": [g["name"] for g in package.get("groups") or [] if isinstance(g, dict) and g.get("name") in themes],
        "contact_name": str(package.get("maintainer") or "")[:200],
        "contact_email": str(package.get("maintainer_email") or ""),
        "spatial": str(extras.get("spatial_ine") or "").split(),
        "legal_basis": str(extras.get("legal_basis") or "")[:300],
        **{key: extras[key] for key in ("temporal_start", "temporal_end", "frequency") if extras.get(key)},
    }


def _write(package: dict, *, source: str, report: HarvestReport, institution: Institution | None = None) -> None:
    name = str(package.get("name") or "")
    remote_id, remote_modified = str(package.get("id") or name), str(package.get("metadata_modified") or "")
    if package.get("private"):
        report.skipped.append((name, "private on the source"))
        return
    publisher = institution or _institution(package.get("organization"))
    if publisher is None:
        org = (package.get("organization") or {}).get("name", "none")
        report.skipped.append((name, f"organization «{org}» is not an institution here"))
        return
    existing = Dataset.objects.filter(name=name).first()
    if existing is not None and (existing.harvest_source, existing.harvest_remote_id) != (source, remote_id):
        report.skipped.append((name, "the name is taken by a dataset not harvested from this source"))
        return
    if existing is not None and existing.harvest_remote_modified == remote_modified:
        report.unchanged.append(name)
        return
    try:
        with transaction.atomic():
            dataset = existing or Dataset(name=name, harvest_source=source, harvest_remote_id=remote_id)
            related = _apply(dataset, _values(package))
            dataset.publisher, dataset.modified, dataset.harvest_remote_modified = (
                publisher, timezone.now(), remote_modified)
            dataset.full_clean()
            dataset.save()
            _set_related(dataset, related)
            urls = []
            for position, item in enumerate(package.get("resources") or []):
                url = str(item.get("url") or "")
                urls.append(url)
                resource = dataset.resources.filter(url=url).first() or Resource(dataset=dataset, url=url)
                resource.title = str(item.get("name") or url)[:300]
                resource.description = str(item.get("description") or "")[:5000]
                resource.format = str(item.get("format") or "").upper()[:20]
                resource.position, resource.modified = position, timezone.now()
                resource.full_clean()
                resource.save()
            for gone in dataset.resources.exclude(url__in=urls):
                gone.delete()  # removed on the source; the history keeps it
            dataset_reindex(dataset)
            audit_record(action="dataset.harvest", obj_type="dataset", obj_id=dataset.pk, actor_label=ACTOR,
                         summary=name, data={"source": source, "remote_id": remote_id, "created": existing is None})
    except ValidationError as error:
        report.skipped.append((name, "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
                               if hasattr(error, "error_dict") else " ".join(error.messages)))
        return
    (report.updated if existing else report.created).append(name)


def _run_deadline(seconds: float | None) -> float:
    return time.monotonic() + (conf.harvest_run_seconds() if seconds is None else seconds)


def _out_of_time(report: HarvestReport, deadline: float) -> bool:
    if time.monotonic() <= deadline:
        return False
    report.error = (f"the run stopped at its time limit ({conf.harvest_run_seconds():g} s); what was imported "
                    "stays, and the next run continues from there")
    return True


def harvest_ckan(*, url: str, since: str = "", fetch: Callable[[str], dict] | None = None,
                 institution: Institution | None = None, run_seconds: float | None = None) -> HarvestReport:
    """Import the datasets of the CKAN portal at `url` (modified since `since`, ISO 8601, if given), published by
    `institution` if given, else by the institution their organization names. The whole run ends within
    `run_seconds` (APERTURA_HARVEST_RUN_SECONDS)."""
    source = url.rstrip("/")
    report = HarvestReport(source=source)
    deadline = _run_deadline(run_seconds)
    fetch = fetch or functools.partial(fetch_json, deadline=deadline)
    start, seen = 0, set()
    while not _out_of_time(report, deadline):
        params = {"rows": ROWS, "start": start, "sort": "id asc"}
        if since:
            params["fq"] = f"metadata_modified:[{since} TO *]"
        try:
            body = fetch(f"{source}/api/3/action/package_search?{urlencode(params)}")
            if not isinstance(body, dict) or body.get("success") is not True:
                error = body.get("error") if isinstance(body, dict) else None
                raise HarvestError(f"the source refused the search: {error or body!r:.200}")
            results = body["result"]["results"]
        except (HarvestError, KeyError, TypeError) as problem:
            report.error = str(problem) if isinstance(problem, HarvestError) else "unexpected answer shape"
            return report
        ids = {str(p.get("id")) for p in results if isinstance(p, dict)}
        if not results:
            return report
        if ids <= seen:
            report.error = f"the source returned the same page twice (start={start})"
            return report
        seen |= ids
        for package in results:
            if isinstance(package, dict) and package.get("name"):
                _write(package, source=source, report=report, institution=institution)
        start += len(results)
    return report


# --- DCAT ----------------------------------------------------------------------------------------------------------

def fetch_rdf(url: str, *, timeout: float = 30, deadline: float | None = None):
    """GET a DCAT document (Turtle, RDF/XML or JSON-LD, from its Content-Type) as an rdflib Graph."""
    from rdflib import Graph

    kind, body = _download(url, accept="text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8",
                           limit=100 * 1024 * 1024, timeout=timeout, deadline=deadline)
    formats = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
               "application/json": "json-ld"}
    if kind not in formats:
        raise HarvestError(f"{url} returned {kind}, not RDF")
    try:
        return Graph().parse(data=body, format=formats[kind])
    except Exception as error:  # noqa: BLE001 - every parser error means the same to the report
        raise HarvestError(f"{url} returned malformed {formats[kind]} ({str(error)[:200]})") from None


def _dcat_package(graph, node) -> dict:
    """A DCAT dataset in the shape of a CKAN package, so that one writer imports both."""
    from rdflib.namespace import DCAT, DCTERMS, FOAF

    from .formats.dcat import VCARD

    def text(subject, predicate, lang="es"):
        values = list(graph.objects(subject, predicate))
        chosen = [v for v in values if getattr(v, "language", None) == lang] or values
        return str(chosen[0]) if chosen else ""

    publisher = graph.value(node, DCTERMS.publisher)
    names = {str(n) for n in graph.objects(publisher, FOAF.name)} if publisher is not None else set()
    themes = dict(Theme.objects.exclude(uri="").values_list("uri", "code"))
    licenses = {**dict(License.objects.exclude(url="").values_list("url", "pk")),
                **dict(License.objects.exclude(eu_uri="").values_list("eu_uri", "pk"))}
    contact = graph.value(node, DCAT.contactPoint)
    email = str(graph.value(contact, VCARD.hasEmail) or "").removeprefix("mailto:") if contact is not None else ""
    resources, license_id = [], ""
    for distribution in graph.objects(node, DCAT.distribution):
        url = graph.value(distribution, DCAT.downloadURL) or graph.value(distribution, DCAT.accessURL)
        fmt = str(graph.value(distribution, DCTERMS["format"]) or "").rstrip("/").rsplit("/", 1)[-1]
        license_id = license_id or licenses.get(str(graph.value(distribution, DCTERMS.license) or ""), "")
        resources.append({"url": str(url or ""), "name": text(distribution, DCTERMS.title),
                          "description": text(distribution, DCTERMS.description), "format": fmt})
    places = [str(graph.value(p, DCTERMS.identifier) or "").removeprefix("INE:")
              for p in graph.objects(node, DCTERMS.spatial)]
    extras = [{"key": "spatial_ine", "value": " ".join(p for p in places if p.isdigit())}]
    period = graph.value(node, DCTERMS.temporal)
    if period is not None:
        extras += [{"key": key, "value": str(graph.value(period, predicate))}
                   for key, predicate in (("temporal_start", DCAT.startDate), ("temporal_end", DCAT.endDate))
                   if graph.value(period, predicate) is not None]
    frequency = str(graph.value(node, DCTERMS.accrualPeriodicity) or "").rsplit("/", 1)[-1]
    if frequency in Frequency.values:
        extras.append({"key": "frequency", "value": frequency})
    identifier = text(node, DCTERMS.identifier) or str(node)
    landing = str(node).rstrip("/").rsplit("/", 1)[-1]
    return {
        "id": identifier, "name": landing.lower()[:100], "title": text(node, DCTERMS.title),
        "notes": text(node, DCTERMS.description), "metadata_modified": text(node, DCTERMS.modified),
        "organization": {"name": next(iter(sorted(names)), ""), "title": text(publisher, FOAF.name)}
        if publisher is not None else None,
        "tags": [{"name": str(k)} for k in graph.objects(node, DCAT.keyword)],
        "groups": [{"name": themes[str(t)]} for t in graph.objects(node, DCAT.theme) if str(t) in themes],
        "license_id": license_id, "maintainer": text(contact, VCARD.fn) if contact is not None else "",
        "maintainer_email": email, "resources": resources,
        "extras": extras,
    }


def harvest_dcat(*, url: str, fetch: Callable[[str], object] | None = None, max_pages: int = 1000,
                 institution: Institution | None = None, run_seconds: float | None = None) -> HarvestReport:
    """Import the datasets of a DCAT catalog at `url`, following Hydra paging (hydra:nextPage), within
    `run_seconds` for the whole run."""
    from rdflib import URIRef
    from rdflib.namespace import DCAT, RDF

    from .formats.dcat import HYDRA

    report, next_url, seen = HarvestReport(source=url), url, set()
    deadline = _run_deadline(run_seconds)
    fetch = fetch or functools.partial(fetch_rdf, deadline=deadline)
    while next_url and len(seen) < max_pages and not _out_of_time(report, deadline):
        if next_url in seen:
            report.error = f"the source links back to a page already read ({next_url})"
            return report
        seen.add(next_url)
        try:
            graph = fetch(next_url)
        except HarvestError as problem:
            report.error = str(problem)
            return report
        for node in sorted(graph.subjects(RDF.type, DCAT.Dataset)):
            if isinstance(node, URIRef):
                _write(_dcat_package(graph, node), source=url, report=report, institution=institution)
        page = next(graph.subjects(RDF.type, HYDRA.PagedCollection), None)
        following = graph.value(page, HYDRA.nextPage) if page is not None else None
        next_url = str(following) if following else ""
    return report


# --- scheduled sources ----------------------------------------------------------------------------------------------

def harvest_source_save(*, by, source: HarvestSource | None = None, **values) -> HarvestSource:
    """Create (without `source`) or change a harvest source: url, kind, institution, frequency, enabled."""
    if not rules.has_perm("catalog.manage_harvest", by):
        raise PermissionDenied(_("Only administrators configure harvest sources."))
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


def harvest_source_run(*, source: HarvestSource, fetch=None) -> HarvestRun:
    """Harvest a source now and keep the run's report. CKAN sources ask only for what changed since the start of
    the last successful run; a failure is recorded in the report and everything already imported stays."""
    run = HarvestRun.objects.create(source=source)
    previous = source.runs.filter(finished__isnull=False, error="").exclude(pk=run.pk).first()
    options = {"url": source.url, "institution": source.institution}
    if fetch is not None:
        options["fetch"] = fetch
    try:
        if source.kind == HarvestSource.Kind.CKAN:
            since = previous.started.strftime("%Y-%m-%dT%H:%M:%SZ") if previous else ""
            report = harvest_ckan(since=since, **options)
        else:
            report = harvest_dcat(**options)
    except Exception as error:  # noqa: BLE001 - whatever breaks, the run says so and the next source still runs
        report = HarvestReport(source=source.url, error=f"{type(error).__name__}: {error}"[:2000])
    run.created, run.updated, run.unchanged = len(report.created), len(report.updated), len(report.unchanged)
    run.skipped = [[name, why] for name, why in report.skipped]
    run.error, run.finished = report.error, timezone.now()
    with transaction.atomic():
        run.save()
        HarvestSource.objects.filter(pk=source.pk).update(last_run=run.started)
        audit_record(action="harvest_source.run", obj_type="harvest_source", obj_id=source.pk, actor_label=ACTOR,
                     summary=" ".join(report.lines()[:1]), data={"run": run.pk, "error": run.error})
    source.last_run = run.started
    return run


def harvest_run_due(*, now=None, fetch=None) -> list[HarvestRun]:
    """Run every enabled source whose interval has passed since its last run."""
    now = now or timezone.now()
    return [harvest_source_run(source=source, fetch=fetch)
            for source in HarvestSource.objects.select_related("institution") if source.is_due(now)]
