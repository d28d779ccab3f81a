"""Full-text search of datasets, one interface over SQLite FTS5 and PostgreSQL `tsvector`.

Both index the folded columns `title_text` and `search_text` that `services.dataset_reindex` keeps (lower-case,
accents stripped in Python by `apertura.common.text.fold`), so accent-insensitivity needs neither the `unaccent`
extension nor a language-specific configuration, and both databases see the same words. PostgreSQL uses the
`simple` configuration on purpose: `spanish` and `english` stemmers each mangle the other language's words and
differ from anything SQLite can do. Plurals are handled on the query side instead, identically on both: every
word is cut by `search.stem` («escuelas» → «escuel») and matched as a prefix (`"escuel"*` in FTS5, `escuel:*` in
tsquery), which finds «escuela», «escuelas» and «schools» from «school».

CKAN's minimum-should-match ("2<-1 5<80%") is written into the query itself: an OR of every group of `required`
words that must appear together. Beyond MAX_TERMS words a query keeps its first MAX_TERMS, which keeps that OR
small; Solr users rarely type more.

Ranking: FTS5's bm25 and PostgreSQL's ts_rank_cd, with the title (name, title and keywords) weighted ten times the
rest (description, themes, publisher, resources, places) on SQLite, and as weight A against B on PostgreSQL.

On SQLite the words live in the FTS5 table `catalog_dataset_fts` (key = the dataset's id as Django stores it, hex);
`index` is the one function that writes it, called by `dataset_reindex` on every dataset write; `rebuild` refills
it after bulk loads. Datasets are withdrawn by state, not deleted; a row left by a deleted one matches nothing,
since search joins the table to existing datasets, and `rebuild` drops it. On PostgreSQL a GIN index over the
same `tsvector` expression follows the row by itself.
"""

from __future__ import annotations

import itertools

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import BooleanField, F, FloatField, Func, QuerySet, Value

from .models import Dataset

TABLE = "catalog_dataset_fts"
MAX_TERMS = 10
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
CREATE_FTS5 = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(key, title, body, "
               "tokenize='unicode61 remove_diacritics 2', prefix='3')")


def document() -> SearchVector:
    """The PostgreSQL `tsvector` of a dataset; the GIN index is built on exactly this expression."""
    return (SearchVector("title_text", weight="A", config="simple")
            + SearchVector("search_text", weight="B", config="simple"))


def groups(terms: list[str], required: int) -> list[tuple[str, ...]]:
    """The groups of words of which one must match entirely: all words, or each choice of `required` of them."""
    terms = terms[:MAX_TERMS]
    required = min(required, len(terms))
    return list(itertools.combinations(terms, required))


def _fts5_query(alternatives) -> str:
    ors = " OR ".join("(" + " AND ".join(f'"{term}"*' for term in group) + ")" for group in alternatives)
    return "{title body} : (" + ors + ")"


def _tsquery(alternatives) -> str:
    return " | ".join("(" + " & ".join(f"{term}:*" for term in group) + ")" for group in alternatives)


class _Fts5(Func):
    """The FTS5 table's hidden column (named like the table) under whatever alias the join received, as MATCH
    and bm25 need it; built from a joined column so that Django's subquery relabelling reaches it."""

    def __init__(self, **extra):
        super().__init__(F("fulltext__title"), output_field=FloatField(), **extra)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return column.rsplit(".", 1)[0] + f".{TABLE}", params


class _Match(Func):
    output_field = BooleanField()

    def __init__(self, query: str):
        super().__init__(_Fts5(), Value(query))
        self.template = "%(expressions)s"
        self.arg_joiner = " MATCH "


class _Bm25(Func):
    function = "bm25"
    output_field = FloatField()

    def __init__(self):
        super().__init__(_Fts5(), 0.0, TITLE_WEIGHT, BODY_WEIGHT)

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return f"(-{sql})", params  # bm25 is lower for better matches; scores here are higher for better


def match(qs: QuerySet, terms: list[str], required: int) -> QuerySet:
    """Datasets of `qs` where at least `required` of `terms` occur, annotated with a relevance `score`."""
    alternatives = groups(terms, required)
    if connections[qs.db].vendor == "postgresql":
        query = SearchQuery(_tsquery(alternatives), config="simple", search_type="raw")
        return qs.alias(document=document()).filter(document=query).annotate(
            score=SearchRank(document(), query, cover_density=True))
    # An inner join: FTS5 answers MATCH only as the driving table, never under a LEFT JOIN.
    return qs.filter(fulltext__isnull=False).filter(_Match(_fts5_query(alternatives))).annotate(score=_Bm25())


def index(datasets) -> None:
    """Write the words of these datasets (with `title_text` and `search_text` set) to the FTS5 table."""
    connection = connections[Dataset.objects.db]
    if connection.vendor != "sqlite":
        return
    rows = [(ds.pk.hex, ds.title_text, ds.search_text) for ds in datasets]
    with connection.cursor() as cursor:
        for key, _title, _body in rows:
            cursor.execute(f"DELETE FROM {TABLE} WHERE {TABLE} MATCH %s", [f'key : "{key}"'])
        cursor.executemany(f"INSERT INTO {TABLE} (key, title, body) VALUES (%s, %s, %s)", rows)


def rebuild() -> None:
    """Refill the FTS5 table from every dataset (after a bulk load, or to repair it)."""
    connection = connections[Dataset.objects.db]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} (key, title, body) "
                       "SELECT id, title_text, search_text FROM catalog_dataset")
        cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")


def install(schema_editor) -> None:
    """Create the index: the FTS5 table on SQLite, the GIN index on PostgreSQL (from the migration)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE_FTS5)
    elif schema_editor.connection.vendor == "postgresql":
        from django.contrib.postgres.indexes import GinIndex

        schema_editor.add_index(Dataset, GinIndex(document(), name="catalog_dataset_document"))


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_dataset_document")
