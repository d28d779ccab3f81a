"""Harvesting another CKAN portal (or another Apertura) through its Action API, or a DCAT catalog: incremental
and idempotent.

Pages through `package_search` as ckanext-harvest does (rows=100, start, sort=id asc, and
`metadata_modified:[since TO *]` for incremental runs). Each dataset is written in its own transaction, so a source
that fails half-way (timeout, HTML, malformed JSON) loses nothing already imported; the report says what happened.
Institutions are curated, never invented: a dataset whose organization is not known here is skipped and reported.

This module reads sources and reports; it writes nothing itself. A package is mapped to our fields by
formats.ckan.package_values (as package_create maps one) and written by services.dataset_upsert; the runs of
scheduled sources are kept by services.harvest_run_start/finish. The harvester acts as the system, named in the
audit log as ACTOR.
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

from django.core.exceptions import ValidationError
from django.utils import timezone

from apertura.institutions.models import Institution

from . import conf, selectors
from .formats.ckan import package_values
from .models import Frequency, HarvestRun, HarvestSource
from .services import NameTaken, dataset_upsert, harvest_run_finish, harvest_run_start

ROWS = 100
ACTOR = "apertura harvester"


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


def _write(package: dict, *, source: str, report: HarvestReport, institution: Institution | None = None) -> None:
    name = str(package.get("name") or "")
    remote_id, remote_modified = str(package.get("id") or name), str(package.get("metadata_modified") or "")
    if package.get("private"):
        report.skipped.append((name, "private on the source"))
        return
    publisher = institution or selectors.institution_for_organization(package.get("organization"))
    if publisher is None:
        org = (package.get("organization") or {}).get("name", "none")
        report.skipped.append((name, f"organization «{org}» is not an institution here"))
        return
    values = package_values(package, lenient=True)
    values.pop("name")
    try:
        _dataset, outcome = dataset_upsert(by=None, system=True, actor_label=ACTOR, publisher=publisher, name=name,
                                           source=source, remote_id=remote_id, remote_modified=remote_modified,
                                           **values)
    except NameTaken:
        report.skipped.append((name, "the name is taken by a dataset not harvested from this source"))
        return
    except ValidationError as error:
        report.skipped.append((name, "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
                               if hasattr(error, "error_dict") else " ".join(error.messages)))
        return
    {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}[outcome].append(name)


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
    themes, licenses = selectors.theme_uris(), selectors.license_uris()
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

def harvest_source_run(*, source: HarvestSource, fetch=None) -> HarvestRun:
    """Harvest a source now and keep the run's report. CKAN sources ask only for what changed since the start of
    the last successful run; a failure is recorded in the report and everything already imported stays."""
    run = harvest_run_start(source=source, system=True)
    previous = selectors.last_good_run(source, excluding=run)
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
    return harvest_run_finish(run=run, created=len(report.created), updated=len(report.updated),
                              unchanged=len(report.unchanged), skipped=report.skipped, error=report.error,
                              summary=" ".join(report.lines()[:1]), system=True, actor_label=ACTOR)


def harvest_run_due(*, now=None, fetch=None) -> list[HarvestRun]:
    """Run every enabled source whose interval has passed since its last run."""
    now = now or timezone.now()
    return [harvest_source_run(source=source, fetch=fetch) for source in selectors.harvest_sources_due(now)]
