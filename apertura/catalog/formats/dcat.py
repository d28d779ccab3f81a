"""The catalog as DCAT-AP 3 RDF (rdflib): catalog, datasets, distributions, with Hydra paging like ckanext-dcat."""

from __future__ import annotations

from django.conf import settings
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from apertura.geo import regions as geography
from ..models import Dataset
from . import turtle

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
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "spdx": SPDX, "hydra": HYDRA,
            "skos": SKOS, "dcatap": DCATAP, "rdf": RDF, "rdfs": RDFS, "xsd": XSD,
            "eu-file-type": Namespace(f"{EU}file-type/"), "eu-frequency": Namespace(f"{EU}frequency/")}


def new_graph() -> Graph:
    # SimpleMemory keeps no per-context indexes (a graph here has one context): loading a 1,000-dataset page
    # takes half the time, and the RDF/XML serializer's lookups are faster too.
    graph = Graph(store="SimpleMemory")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


class Triples:
    """The triples of a page, in the order they were added and each once: cheaper to collect than an rdflib
    Graph (whose store indexes every triple three ways), written straight to Turtle, loaded into a Graph for
    the other serializations."""

    def __init__(self):
        self._triples: dict[tuple, None] = {}
        self._described: set = set()
        self.agents: dict = {}  # institution pk: node

    def add(self, triple: tuple) -> None:
        self._triples[triple] = None

    def first_time(self, node) -> bool:
        """Whether `node` (an agent, theme, license... shared by many datasets) has not been described yet."""
        if node in self._described:
            return False
        self._described.add(node)
        return True

    def __iter__(self):
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def graph(self) -> Graph:
        graph = new_graph()
        graph.addN((s, p, o, graph) for s, p, o in self._triples)
        return graph

    def serialize(self, fmt: str) -> str:
        """In one of SERIALIZATIONS' formats (ttl, rdf, xml, jsonld)."""
        if fmt == "ttl":
            return turtle.dumps(self._triples, PREFIXES)
        return self.graph().serialize(format=SERIALIZATIONS[fmt][0])


def _date(partial) -> Literal:
    text = partial.isoformat()
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)
    return Literal(text, datatype=datatype)


def _agent(triples: Triples, base: str, institution) -> URIRef:
    # Forty publishers for a thousand datasets: reverse() each once.
    node = triples.agents.get(institution.pk)
    if node is None:
        node = triples.agents[institution.pk] = URIRef(base + institution.get_absolute_url())
        triples.add((node, RDF.type, FOAF.Agent))
        triples.add((node, FOAF.name, Literal(institution.name_es, lang="es")))
        if institution.name_en:
            triples.add((node, FOAF.name, Literal(institution.name_en, lang="en")))
    return node


def add_dataset(triples: Triples, dataset: Dataset, base: str) -> URIRef:
    """Add one dataset (from selectors.with_details) and its distributions; return its node."""
    url = base + dataset.get_absolute_url()
    node = URIRef(url)
    add = triples.add
    add((node, RDF.type, DCAT.Dataset))
    add((node, DCTERMS.title, Literal(dataset.title, lang="es")))
    add((node, DCTERMS.description, Literal(dataset.description, lang="es")))
    add((node, DCTERMS.identifier, Literal(str(dataset.pk))))
    add((node, DCTERMS.issued, Literal(dataset.created, datatype=XSD.dateTime)))
    add((node, DCTERMS.modified, Literal(dataset.modified, datatype=XSD.dateTime)))
    add((node, DCAT.landingPage, node))
    add((node, RDF.type, FOAF.Document))
    add((node, DCTERMS.publisher, _agent(triples, base, dataset.publisher)))
    for tag in dataset.tags.all():
        add((node, DCAT.keyword, Literal(tag.name, lang="es")))
    for theme in dataset.themes.all():
        concept = URIRef(theme.uri or f"{base}/datasets/?groups={theme.code}")
        add((node, DCAT.theme, concept))
        if triples.first_time(concept):
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
        if triples.first_time(place):
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
    license_node = _license(triples, dataset.license)
    for resource in dataset.resources.all():
        _add_distribution(triples, node, url, resource, base, license_node)
    return node


def _license(triples: Triples, lic) -> URIRef | None:
    uri = lic.eu_uri or lic.url
    if not uri:
        return None
    node = URIRef(uri)
    if triples.first_time(node):
        triples.add((node, RDF.type, DCTERMS.LicenseDocument))
        triples.add((node, RDFS.label, Literal(lic.title)))
    return node


def _add_distribution(triples: Triples, dataset_node, dataset_url, resource, base, license_node) -> None:
    add = triples.add
    node = URIRef(f"{dataset_url}#resource-{resource.pk}")
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


def catalog_triples(datasets, base: str, *, page: dict | None = None, modified=None) -> Triples:
    """The catalog with `datasets` (one page of them); `page` adds Hydra paging: {url, total, per_page, first,
    last, next, previous}."""
    triples = Triples()
    catalog = URIRef(f"{base}/catalog")
    add = triples.add
    add((catalog, RDF.type, DCAT.Catalog))
    name = settings.SITE_NAME
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
        add((catalog, DCAT.dataset, add_dataset(triples, dataset, base)))
    if page:
        node = URIRef(page["url"])
        add((node, RDF.type, HYDRA.PagedCollection))
        add((node, HYDRA.totalItems, Literal(page["total"], datatype=XSD.integer)))
        add((node, HYDRA.itemsPerPage, Literal(page["per_page"], datatype=XSD.integer)))
        for key, predicate in [("first", HYDRA.firstPage), ("last", HYDRA.lastPage), ("next", HYDRA.nextPage),
                               ("previous", HYDRA.previousPage)]:
            if page.get(key):
                add((node, predicate, Literal(page[key])))
    return triples


def catalog_graph(datasets, base: str, *, page: dict | None = None, modified=None) -> Graph:
    return catalog_triples(datasets, base, page=page, modified=modified).graph()


def dataset_triples(dataset: Dataset, base: str) -> Triples:
    triples = Triples()
    add_dataset(triples, dataset, base)
    return triples


def dataset_graph(dataset: Dataset, base: str) -> Graph:
    return dataset_triples(dataset, base).graph()
