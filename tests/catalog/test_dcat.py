"""DCAT-AP 3 catalog (validated with the official SHACL shapes), Hydra paging, per-dataset RDF and data.json."""

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest
from django.test import Client
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from apertura.catalog.formats.dcat import HYDRA
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


def test_catalog_conforms_to_dcat_ap_3(small_catalog, admin_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from pyshacl import validate

    from apertura.catalog.services import resource_add

    settings.MEDIA_ROOT = str(tmp_path)
    resource_add(dataset=small_catalog["census"], by=admin_user, upload=SimpleUploadedFile("t.csv", b"a,b\n1,2\n"))
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
