"""Search: accent-insensitive words ranked by matches, and the Lucene filter forms CKAN clients send."""

import pytest

from apertura.catalog.search import QuerySyntaxError, parse_filter, parse_sort, required_matches
from apertura.catalog.selectors import datasets_find, facets

pytestmark = pytest.mark.django_db


def names(qs):
    return [d.name for d in qs]


@pytest.mark.parametrize("q, expected", [
    ("educación", ["escuelas", "presupuesto-educacion"]),
    ("EDUCACION", ["escuelas", "presupuesto-educacion"]),
    ("población censo", ["censo-poblacion-2018"]),
    ("Alta Verapaz", ["censo-poblacion-2018"]),  # spatial coverage names are searchable
    ("statistics", ["censo-poblacion-2018"]),  # the publisher's English name
    ("education", ["escuelas", "presupuesto-educacion"]),  # the theme's English label
    ("population society", ["censo-poblacion-2018"]),
    ("escuela", ["escuelas"]),  # singular and plural find each other
    ("poblaciones censos", ["censo-poblacion-2018"]),
    ("presupuestos", ["presupuesto-educacion"]),
    ("https://example.org/escuelas.json", []),  # not a field query: plain words, no error
    ("tags:censo", ["censo-poblacion-2018"]),  # a field query in q, as CKAN clients send
    ("borrador", []),  # drafts are never found
    ("presupuesto escuelas inexistente", []),  # three words: two must match, in the same dataset
])
def test_words_find_datasets_accent_insensitively(small_catalog, q, expected):
    assert sorted(names(datasets_find(q=q))) == sorted(expected)


def test_ranking_counts_matched_words_then_title(small_catalog):
    # «presupuesto educación ministerio»: the budget matches all three words, the schools dataset fewer.
    found = list(datasets_find(q="presupuesto educación ministerio"))
    assert [d.name for d in found] == ["presupuesto-educacion", "escuelas"] and found[0].score > found[1].score


def test_minimum_should_match_follows_ckan():
    assert [required_matches(n) for n in (1, 2, 3, 5, 6, 10)] == [1, 2, 2, 4, 4, 8]


@pytest.mark.parametrize("fq, expected", [
    ("organization:mineduc", {"escuelas", "presupuesto-educacion"}),
    ("-organization:mineduc", {"censo-poblacion-2018"}),
    ("organization:ine OR organization:mineduc", {"censo-poblacion-2018", "escuelas", "presupuesto-educacion"}),
    ("groups:educ AND groups:econ", {"presupuesto-educacion"}),
    ("groups:educ -groups:econ", {"escuelas"}),
    ("tags:censo", {"censo-poblacion-2018"}),
    ('tags:"población"', {"censo-poblacion-2018"}),
    ("tags:(censo OR escuelas)", {"censo-poblacion-2018", "escuelas"}),
    ("res_format:CSV", {"censo-poblacion-2018"}),
    ("res_format:json", {"escuelas"}),
    ("license_id:CC0-1.0", {"escuelas"}),
    ("isopen:false", {"presupuesto-educacion"}),
    ("department:16", {"censo-poblacion-2018"}),
    ("department:01", {"censo-poblacion-2018", "escuelas"}),
    ("metadata_modified:[2020-01-01T00:00:00Z TO *]", {"censo-poblacion-2018", "escuelas", "presupuesto-educacion"}),
    ("metadata_modified:[* TO 2020-01-01T00:00:00Z]", set()),
    ("metadata_created:[NOW-1DAY TO NOW+1DAY]", {"censo-poblacion-2018", "escuelas", "presupuesto-educacion"}),
    ("-dataset_type:harvest", {"censo-poblacion-2018", "escuelas", "presupuesto-educacion"}),
    ("(organization:ine OR tags:escuelas) AND NOT res_format:JSON", {"censo-poblacion-2018"}),
    ("*:*", {"censo-poblacion-2018", "escuelas", "presupuesto-educacion"}),
])
def test_filter_forms_harvesters_send(small_catalog, fq, expected):
    assert set(names(datasets_find(fq=fq))) == expected


@pytest.mark.parametrize("text, says", [
    ('tags:"censo', "quotation mark"),
    ("(organization:ine OR tags:x", "parenthesis"),
    ("organization:ine)", "parenthesis"),
    ("metadata_modified:[2020-01-01 TO", "range"),
    ("metadata_modified:[yesterday TO *]", "yesterday"),
    ("colour:red", "Unknown field"),
    ("organization:ine AND", "ends"),
])
def test_unbalanced_or_unknown_syntax_is_a_readable_error(text, says):
    with pytest.raises(QuerySyntaxError, match=says):
        parse_filter(text)


def test_sort_is_checked():
    assert parse_sort("metadata_modified desc, name asc") == ["-modified", "name", "name"]
    with pytest.raises(QuerySyntaxError, match="Cannot sort"):
        parse_sort("popularity desc")


def test_facets_count_the_found_datasets(small_catalog):
    result = facets(datasets_find(q=""))
    assert {i["name"]: i["count"] for i in result["organization"]} == {"mineduc": 2, "ine": 1}
    assert {i["name"]: i["count"] for i in result["groups"]} == {"educ": 2, "econ": 1, "soci": 1}
    assert {i["name"]: i["count"] for i in result["res_format"]} == {"CSV": 1, "JSON": 1}
    assert {i["name"]: i["count"] for i in result["department"]} == {"01": 2, "16": 1}
    assert {i["name"] for i in facets(datasets_find(fq="organization:ine"))["tags"]} == {"censo", "población"}


def test_facet_counts_are_cached_until_the_next_write(small_catalog, make_dataset, django_assert_num_queries):
    facets(datasets_find(q=""))
    with django_assert_num_queries(1):  # the audit log's last id: the counts themselves come from the cache
        again = facets(datasets_find(q=""))
    assert {i["name"]: i["count"] for i in again["organization"]} == {"mineduc": 2, "ine": 1}
    make_dataset("otro", "MINEDUC", title="Otro conjunto")  # a write: the next search counts afresh
    assert {i["name"]: i["count"] for i in facets(datasets_find(q=""))["organization"]}["mineduc"] == 3


@pytest.fixture
def relevance_catalog(make_dataset):
    make_dataset("primaria", title="Educacion primaria", description="Matricula por grado.")
    make_dataset("becas", title="Becas escolares",
                 description="Apoyo a la educación de niñas en el área rural.")
    make_dataset("una-escuela", title="Una escuela modelo", description="Ficha de la escuela.")
    make_dataset("gbv", title="Denuncias 2023",
                 description="Reports of violence against women received by the police, by municipality.")


def test_accents_in_the_query_find_unaccented_titles_and_titles_rank_first(relevance_catalog):
    found = list(datasets_find(q="educación"))
    assert [d.name for d in found] == ["primaria", "becas"] and found[0].score > found[1].score


def test_plural_finds_singular_in_spanish_and_english(relevance_catalog):
    assert names(datasets_find(q="escuelas")) == ["una-escuela"]
    assert names(datasets_find(q="violence women")) == ["gbv"]
    assert names(datasets_find(q="report womens")) == ["gbv"]


def test_the_index_follows_every_edit(relevance_catalog, admin):
    from apertura.catalog.models import Dataset
    from apertura.catalog.services import dataset_update

    dataset_update(dataset=Dataset.objects.get(name="gbv"), by=admin, title="Femicidios",
                   description="Registro de casos.")
    assert names(datasets_find(q="violence")) == []
    assert names(datasets_find(q="femicidio")) == ["gbv"]


def test_many_words_keep_minimum_should_match(relevance_catalog):
    # Eleven words, three of them in the dataset: far from 80%, so nothing; the first ten count.
    assert names(datasets_find(q="violence women police uno dos tres cuatro cinco seis siete ocho")) == []
    assert names(datasets_find(q="violence women police municipality reports received")) == ["gbv"]
