"""The catalog as DCAT-AP 3 RDF (rdflib): catalog, datasets, distributions, with Hydra paging like ckanext-dcat."""

from __future__ import annotations

from django.conf import settings
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from apertura.geo import regions as geography
from ..models import Dataset

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPES = {"CSV", "JSON", "XML", "XLSX", "XLS", "PDF", "ZIP", "ODS", "TXT", "GEOJSON", "RDF_TURTLE", "PNG",
              "JPEG", "GZIP", "TSV", "DOCX", "HTML", "PARQUET"}
MEDIA = {"CSV": "text/csv", "JSON": "application/json", "XLSX":
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PDF": "application/pdf",
         "ZIP": "application/zip", "XML": "application/xml", "GEOJSON": "application/geo+json"}
SERIALIZATIONS = {"ttl": ("turtle", "text/turtle"), "rdf": ("pretty-xml", "application/rdf+xml"),
                  "xml": ("pretty-xml", "application/rdf+xml"), "jsonld": ("json-ld", "application/ld+json")}


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX,
                              "hydra": HYDRA, "skos": SKOS, "dcatap": DCATAP}.items():
        graph.bind(prefix, namespace)
    return graph


def _date(partial) -> Literal:
    text = partial.isoformat()
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)
    return Literal(text, datatype=datatype)


def _agent(graph: Graph, base: str, institution) -> URIRef:
    node = URIRef(base + institution.get_absolute_url())
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, FOAF.name, Literal(institution.name_es, lang="es")))
    if institution.name_en:
        graph.add((node, FOAF.name, Literal(institution.name_en, lang="en")))
    return node


def add_dataset(graph: Graph, dataset: Dataset, base: str) -> URIRef:
    """Add one dataset (from selectors.with_details) and its distributions; return its node."""
    node = URIRef(base + dataset.get_absolute_url())
    add = graph.add
    add((node, RDF.type, DCAT.Dataset))
    add((node, DCTERMS.title, Literal(dataset.title, lang="es")))
    add((node, DCTERMS.description, Literal(dataset.description, lang="es")))
    add((node, DCTERMS.identifier, Literal(str(dataset.pk))))
    add((node, DCTERMS.issued, Literal(dataset.created, datatype=XSD.dateTime)))
    add((node, DCTERMS.modified, Literal(dataset.modified, datatype=XSD.dateTime)))
    add((node, DCAT.landingPage, URIRef(base + dataset.get_absolute_url())))
    add((URIRef(base + dataset.get_absolute_url()), RDF.type, FOAF.Document))
    add((node, DCTERMS.publisher, _agent(graph, base, dataset.publisher)))
    for tag in dataset.tags.all():
        add((node, DCAT.keyword, Literal(tag.name, lang="es")))
    for theme in dataset.themes.all():
        concept = URIRef(theme.uri or f"{base}/datasets/?groups={theme.code}")
        add((node, DCAT.theme, concept))
        add((concept, RDF.type, SKOS.Concept))
        add((concept, SKOS.prefLabel, Literal(theme.label_es, lang="es")))
        add((concept, SKOS.prefLabel, Literal(theme.label_en, lang="en")))
    if dataset.contact_name or dataset.contact_email:
        contact = BNode()
        add((node, DCAT.contactPoint, contact))
        add((contact, RDF.type, VCARD.Kind))
        add((contact, VCARD.fn, Literal(dataset.contact_name or dataset.publisher.name_es)))
        if dataset.contact_email:
            add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
    if dataset.temporal_from or dataset.temporal_to:
        period = BNode()
        add((node, DCTERMS.temporal, period))
        add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_from:
            add((period, DCAT.startDate, _date(dataset.temporal_from)))
        if dataset.temporal_to:
            add((period, DCAT.endDate, _date(dataset.temporal_to)))
    for code in dataset.spatial or []:
        place = URIRef(f"{base}/datasets/?department={code[:2]}" if len(code) == 2 else
                       f"{base}/datasets/?department={code[:2]}#{code}")
        add((node, DCTERMS.spatial, place))
        add((place, RDF.type, DCTERMS.Location))
        add((place, SKOS.prefLabel, Literal(geography.label(code), lang="es")))
        add((place, DCTERMS.identifier, Literal(f"INE:{code}")))
    if dataset.frequency:
        frequency = URIRef(f"{EU}frequency/{dataset.frequency}")
        add((node, DCTERMS.accrualPeriodicity, frequency))
        add((frequency, RDF.type, DCTERMS.Frequency))
    if dataset.legal_basis:
        add((node, RDFS.comment, Literal(dataset.legal_basis, lang="es")))
    for commitment in dataset.commitments.all():
        add((node, DCTERMS.relation, URIRef(base + commitment.get_absolute_url())))
    license_node = _license(graph, dataset.license)
    for resource in dataset.resources.all():
        _add_distribution(graph, node, dataset, resource, base, license_node)
    return node


def _license(graph: Graph, lic) -> URIRef | None:
    uri = lic.eu_uri or lic.url
    if not uri:
        return None
    node = URIRef(uri)
    graph.add((node, RDF.type, DCTERMS.LicenseDocument))
    graph.add((node, RDFS.label, Literal(lic.title)))
    return node


def _add_distribution(graph, dataset_node, dataset, resource, base, license_node) -> None:
    add = graph.add
    node = URIRef(f"{base}{dataset.get_absolute_url()}#resource-{resource.pk}")
    add((dataset_node, DCAT.distribution, node))
    add((node, RDF.type, DCAT.Distribution))
    url = URIRef(base + resource.download_path() if resource.file else resource.url)
    add((node, DCAT.accessURL, url))
    add((node, DCAT.downloadURL, url))
    add((node, DCTERMS.title, Literal(resource.title, lang="es")))
    add((node, DCTERMS.description, Literal(resource.description or resource.title, lang="es")))
    add((node, DCTERMS.identifier, Literal(str(resource.pk))))
    add((node, DCTERMS.modified, Literal(resource.modified, datatype=XSD.dateTime)))
    fmt = resource.format.upper()
    if fmt:
        format_node = URIRef(f"{EU}file-type/{fmt}" if fmt in FILE_TYPES else f"{base}/formats/{fmt}")
        add((node, DCTERMS.format, format_node))
        add((format_node, RDF.type, DCTERMS.MediaTypeOrExtent))
    media = MEDIA.get(fmt) or resource.media_type
    if media:
        media_node = URIRef(f"https://www.iana.org/assignments/media-types/{media}")
        add((node, DCAT.mediaType, media_node))
        add((media_node, RDF.type, DCTERMS.MediaType))
    if license_node is not None:
        add((node, DCTERMS.license, license_node))
    if resource.size is not None:
        add((node, DCAT.byteSize, Literal(resource.size, datatype=XSD.nonNegativeInteger)))
    if resource.sha256:
        checksum = BNode()
        add((node, SPDX.checksum, checksum))
        add((checksum, RDF.type, SPDX.Checksum))
        add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
        add((checksum, SPDX.checksumValue, Literal(resource.sha256, datatype=XSD.hexBinary)))


def catalog_graph(datasets, base: str, *, page: dict | None = None, modified=None) -> Graph:
    """The catalog with `datasets` (one page of them); `page` adds Hydra paging: {url, total, per_page, first,
    last, next, previous}."""
    graph = new_graph()
    catalog = URIRef(f"{base}/catalog")
    add = graph.add
    add((catalog, RDF.type, DCAT.Catalog))
    name = getattr(settings, "APERTURA_SITE_NAME", "Apertura")
    add((catalog, DCTERMS.title, Literal(f"{name}: datos abiertos de Guatemala", lang="es")))
    add((catalog, DCTERMS.title, Literal(f"{name}: open data of Guatemala", lang="en")))
    add((catalog, DCTERMS.description, Literal(
        "Catálogo nacional de datos abiertos publicados por las instituciones públicas de Guatemala.", lang="es")))
    publisher = URIRef(f"{base}/")
    add((catalog, DCTERMS.publisher, publisher))
    add((publisher, RDF.type, FOAF.Agent))
    add((publisher, FOAF.name, Literal(name)))
    add((catalog, FOAF.homepage, URIRef(f"{base}/datasets/")))
    add((URIRef(f"{base}/datasets/"), RDF.type, FOAF.Document))
    language = URIRef(f"{EU}language/SPA")
    add((catalog, DCTERMS.language, language))
    add((language, RDF.type, DCTERMS.LinguisticSystem))
    country = URIRef(f"{EU}country/GTM")
    add((catalog, DCTERMS.spatial, country))
    add((country, RDF.type, DCTERMS.Location))
    taxonomy = URIRef(f"{EU}data-theme")
    add((catalog, DCAT.themeTaxonomy, taxonomy))
    add((taxonomy, RDF.type, SKOS.ConceptScheme))
    add((taxonomy, DCTERMS.title, Literal("Data theme", lang="en")))
    if modified is not None:
        add((catalog, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for dataset in datasets:
        add((catalog, DCAT.dataset, add_dataset(graph, dataset, base)))
    if page:
        node = URIRef(page["url"])
        add((node, RDF.type, HYDRA.PagedCollection))
        add((node, HYDRA.totalItems, Literal(page["total"], datatype=XSD.integer)))
        add((node, HYDRA.itemsPerPage, Literal(page["per_page"], datatype=XSD.integer)))
        for key, predicate in [("first", HYDRA.firstPage), ("last", HYDRA.lastPage), ("next", HYDRA.nextPage),
                               ("previous", HYDRA.previousPage)]:
            if page.get(key):
                add((node, predicate, Literal(page[key])))
    return graph


def dataset_graph(dataset: Dataset, base: str) -> Graph:
    graph = new_graph()
    add_dataset(graph, dataset, base)
    return graph
