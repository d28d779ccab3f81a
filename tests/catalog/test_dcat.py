"""DCAT-AP 3 catalog (validated with the official SHACL shapes), Hydra paging, per-dataset RDF and data.json."""

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest
from django.test import Client
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic

from apertura.catalog.formats import turtle
from apertura.catalog.formats.dcat import HYDRA, PREFIXES
from apertura.catalog.models import Dataset

# rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph internally.
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:ConjunctiveGraph:DeprecationWarning")]
SHAPES = Path(__file__).parent / "shapes"


@cache
def _shapes() -> Graph:
    return Graph().parse(SHAPES / "dcat-ap-SHACL.ttl", format="turtle")


def _graph(response, fmt) -> Graph:
    assert response.status_code == 200, response.content[:500]
    return Graph().parse(data=response.content, format=fmt)


def test_catalog_conforms_to_dcat_ap_3(small_catalog, admin, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pyshacl import validate

    from apertura.catalog.services import resource_add

    settings.MEDIA_ROOT = str(tmp_path)
    resource_add(dataset=small_catalog["census"], by=admin, upload=SimpleUploadedFile("t.csv", b"a,b\n1,2\n"))
    graph = _graph(Client().get("/catalog.ttl"), "turtle")
    conforms, _results, text = validate(graph, shacl_graph=_shapes(), inference="none", allow_warnings=True)
    assert conforms, text
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 3  # the draft is not published
    census = URIRef("http://testserver/datasets/censo-poblacion-2018/")
    assert (census, ns.DCAT.theme, URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI")) in graph
    assert len(list(graph.objects(census, ns.DCAT.distribution))) == 2


@pytest.mark.parametrize("fmt, parse_as", [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld"),
                                           ("xml", "xml")])
def test_catalog_serializations_and_hydra_paging(small_catalog, fmt, parse_as):
    graph = _graph(Client().get(f"/catalog.{fmt}?per_page=2"), parse_as)
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 2
    page = next(graph.subjects(ns.RDF.type, HYDRA.PagedCollection))
    assert graph.value(page, HYDRA.totalItems).toPython() == 3
    assert str(graph.value(page, HYDRA.nextPage)).endswith("page=2&per_page=2")
    second = _graph(Client().get(f"/catalog.{fmt}?per_page=2&page=2"), parse_as)
    assert len(list(second.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 1
    assert (None, HYDRA.nextPage, None) not in second


def test_turtle_says_what_rdf_xml_says(small_catalog, admin, settings, tmp_path):
    """The catalog's own Turtle writer against rdflib's RDF/XML serializer of the same triples, with every kind
    of node the catalog has: a checksum and a contact point (blank nodes), dates, sizes, shared themes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apertura.catalog.services import resource_add

    settings.MEDIA_ROOT = str(tmp_path)
    resource_add(dataset=small_catalog["census"], by=admin, upload=SimpleUploadedFile("t.csv", b"a,b\n1,2\n"))
    response = Client().get("/catalog.ttl")
    from_turtle, from_xml = _graph(response, "turtle"), _graph(Client().get("/catalog.rdf"), "xml")
    for graph in (from_turtle, from_xml):  # the Hydra page's own URL differs: /catalog.ttl, /catalog.rdf
        graph.remove((next(graph.subjects(ns.RDF.type, HYDRA.PagedCollection)), None, None))
    assert len(from_turtle) > 100 and isomorphic(from_turtle, from_xml)
    text = response.content.decode()
    assert "@prefix dcat: <http://www.w3.org/ns/dcat#> ." in text and " a dcat:Dataset" in text
    assert "@prefix vcard:" in text and "@prefix dcatap:" not in text  # only the prefixes it uses


def test_catalog_page_queries_do_not_grow_with_datasets(small_catalog, make_dataset, django_assert_num_queries):
    queries = 6  # the page's, with 3 published datasets and with 6 alike
    with django_assert_num_queries(queries):
        graph = _graph(Client().get("/catalog.ttl"), "turtle")
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 3
    for number in range(3):
        make_dataset(f"mas-{number}", tags=[f"tema-{number}"], themes=["educ"], spatial=["01"])
    with django_assert_num_queries(queries):
        graph = _graph(Client().get("/catalog.ttl"), "turtle")
    assert len(list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))) == 6


def test_garbage_collector_back_on_after_pages(small_catalog):
    """The collector is paused while a page is built; overlapping pages (threads) leave it on at the end."""
    import gc

    from apertura.catalog.dcat_views import _collector_paused

    assert gc.isenabled()
    with _collector_paused():
        outer = _collector_paused()
        outer.__enter__()
        assert not gc.isenabled() and Client().get("/catalog.jsonld").status_code == 200
    assert not gc.isenabled()  # the other page is still being built
    outer.__exit__(None, None, None)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("the page failed")
    assert gc.isenabled()


EX = "http://example.org/"


def _round_trip(triples, prefixes=None) -> tuple[str, Graph]:
    expected = Graph()
    for triple in triples:
        expected.add(triple)
    text = turtle.dumps(triples, prefixes if prefixes is not None else {"ex": ns.Namespace(EX), **PREFIXES})
    written = Graph().parse(data=text, format="turtle")
    assert isomorphic(written, expected), text
    return text, written


def test_turtle_writer_escapes_literals_and_iris():
    s = URIRef(EX + "s")
    literals = ['comillas " y \\ barra', "líneas\nuno\r\tdos", "control \x01 \x7f", "ñandú 🌎", "", '"""',
                Literal("3", datatype=ns.XSD.integer), Literal("hi", lang="en-GB"),
                Literal("x", datatype=ns.XSD.string), Literal("2018-07", datatype=ns.XSD.gYearMonth),
                Literal("t", datatype=URIRef("http://example.org/no#tipo-raro"))]
    iris = [EX + "datasets/a/", EX + "x?department=01#0101", EX + "a.b", EX + "9lives", EX + "q?a=1&b=ñ",
            "mailto:datos@ine.gob.gt", EX]
    triples = [(s, URIRef(EX + "p"), o if isinstance(o, Literal) else Literal(o)) for o in literals]
    triples += [(s, URIRef(EX + "link"), URIRef(iri)) for iri in iris]
    text, written = _round_trip(triples)
    assert len(written) == len(literals) + len(iris)
    assert "ex:q" not in text and "ex:datasets/" not in text  # not valid prefixed names: full IRIs


def test_turtle_writer_groups_subjects_and_inlines_blank_nodes_used_once():
    s, p, q, t = URIRef(EX + "s"), URIRef(EX + "p"), URIRef(EX + "q"), URIRef(EX + "T")
    once, shared, loop_a, loop_b, alone = BNode(), BNode(), BNode(), BNode(), BNode()
    triples = [(s, ns.RDF.type, t), (s, p, Literal("a")), (s, p, Literal("a")), (s, p, Literal("b")),
               (s, q, once), (once, ns.RDF.type, t), (once, q, BNode()),
               (s, q, shared), (URIRef(EX + "r"), q, shared), (shared, p, Literal("c")),
               (loop_a, q, loop_b), (loop_b, q, loop_a), (alone, p, Literal("d"))]
    text, written = _round_trip(triples)
    assert len(written) == len(triples) - 1  # the duplicate
    assert "<http://example.org/s>" not in text and text.count("ex:s ") == 1
    assert 'ex:p "a",' in text and "ex:q [" in text and " a ex:T" in text
    _round_trip(triples, prefixes={})  # nothing abbreviated, still the same graph


def test_modified_since(small_catalog):
    Dataset.objects.filter(name="escuelas").update(modified=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    graph = _graph(Client().get("/catalog.ttl?modified_since=2021-01-01T00:00:00Z"), "turtle")
    titles = {str(t) for t in graph.objects(None, ns.DCTERMS.title)}
    assert "Censo de población 2018" in titles and "Establecimientos educativos" not in titles
    assert Client().get("/catalog.ttl?modified_since=ayer").status_code == 400


def test_dataset_rdf(small_catalog):
    graph = _graph(Client().get("/dataset/escuelas.jsonld"), "json-ld")
    node = URIRef("http://testserver/datasets/escuelas/")
    assert (node, ns.DCTERMS.title, Literal("Establecimientos educativos", lang="es")) in graph
    assert Client().get("/dataset/borrador.ttl").status_code == 404


def test_data_json_has_the_pod_1_1_required_fields(small_catalog):
    """The POD 1.1 JSON Schema is not vendored here: its required fields are checked one by one."""
    response = Client().get("/data.json")
    assert response.streaming and response["Content-Type"].startswith("application/json")
    data = json.loads(b"".join(response.streaming_content))
    assert data["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    assert {d["title"] for d in data["dataset"]} == {"Censo de población 2018", "Establecimientos educativos",
                                                     "Presupuesto de educación"}
    for entry in data["dataset"]:
        for field in ("title", "description", "keyword", "modified", "publisher", "contactPoint", "identifier",
                      "accessLevel"):
            assert entry.get(field), (entry["title"], field)
        assert entry["keyword"] and entry["accessLevel"] == "public" and entry["publisher"]["name"]
        assert entry["contactPoint"]["fn"]
        for distribution in entry["distribution"]:
            assert distribution.get("downloadURL") or distribution.get("accessURL")
            if "downloadURL" in distribution:
                assert distribution["mediaType"]
    census = next(d for d in data["dataset"] if d["title"].startswith("Censo"))
    assert census["temporal"] == "2018-01-01/2018-07-31" and census["contactPoint"]["hasEmail"].startswith("mailto:")
