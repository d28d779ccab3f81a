"""Checks a user's SQL before DuckDB sees it and binds every table it names to a published table's file.

The query is parsed (sqlglot), never pattern-matched. Allowed: exactly one read-only query (SELECT, set
operations, CTEs, joins, subqueries, window functions). Every table reference is resolved scope by scope,
the way DuckDB resolves it: a name is a CTE only where that CTE is visible (in the query that defines it and
its subqueries, after its definition, and in its own body only as the recursive part of a WITH RECURSIVE
union; names compare as DuckDB compares them, ASCII letters without case). Every other table must be one of
the caller's tables, named by its key, with no schema or catalog; anything else (file paths and globs,
schema-qualified names, DuckDB's metadata, table functions) is refused. Each resolved reference is then
replaced by the relation of exactly that table's file (`relation`), so nothing is looked up by name when the
query runs. Functions that read files, the network, the environment or the configuration are refused too,
for a plain message: what keeps them harmless is the sandbox the query runs in (engine.sqlbox), which can
reach only the files of the tables bound here. The query that runs is the one sqlglot regenerates (without
comments) from the checked tree, so the parser and DuckDB cannot disagree about what was checked.
"""

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

import sqlglot
from django.utils.translation import gettext as _
from sqlglot import exp

FORBIDDEN_FUNCTIONS = {
    "read_csv", "read_csv_auto", "read_parquet", "read_json", "read_json_auto", "read_json_objects",
    "read_ndjson", "read_ndjson_auto", "read_ndjson_objects", "read_text", "read_blob", "read_xlsx",
    "parquet_scan", "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
    "parquet_bloom_probe", "sniff_csv", "glob", "query", "query_table", "getenv", "current_setting",
    "sqlite_scan", "sqlite_attach", "postgres_scan", "postgres_attach", "postgres_query", "mysql_scan",
    "iceberg_scan", "delta_scan", "st_read", "load_aws_credentials", "httpfs", "http_get", "system",
}
FORBIDDEN_PREFIXES = ("read_", "duckdb_", "pragma_", "pg_", "sqlite_", "postgres_", "mysql_", "iceberg_",
                      "delta_", "parquet_", "st_read", "icu_", "which_secret", "test_")
ALLOWED_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)
FORBIDDEN_NODES = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Alter, exp.Command,
                   exp.Copy, exp.Pragma, exp.Set, exp.Use, exp.Merge, exp.Attach, exp.Detach, exp.Install,
                   exp.LoadData, exp.Transaction, exp.Commit, exp.Rollback, exp.Into, exp.Describe, exp.Show,
                   exp.Summarize)
# What a published table's reference may carry besides its name: each moves to the relation replacing it.
MOVABLE_TABLE_ARGS = ("alias", "joins", "laterals", "pivots", "sample")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class SQLRefused(ValueError):
    """The query is not allowed; the message says why in plain words."""


@dataclass(frozen=True)
class CheckedSQL:
    text: str  # the query as checked, regenerated: what the caller is shown (no file paths)
    tables: frozenset[str]  # the keys of the tables it reads
    runnable: str  # the query with each table reference replaced by its relation


def check_sql(sql: str, *, allowed_tables: Collection[str],
              relation: Callable[[str], str] | None = None) -> CheckedSQL:
    """Check `sql` against the tables the caller may read, or raise SQLRefused. `relation(key)` is the SQL of
    the relation (a parenthesised SELECT) that replaces each reference to table `key` in `runnable`."""
    tree = _one_read_only_query(sql)
    _refuse_forbidden_functions(tree)
    _refuse_lateral_table_functions(tree)
    references = list(_table_references(tree, allowed_tables))
    if not references:
        raise SQLRefused(_("The query must read at least one published table."))
    text = tree.sql(dialect="duckdb", comments=False)
    if relation is not None:
        for table in references:
            table.replace(_bound(table, relation(table.name)))
    return CheckedSQL(text=text, tables=frozenset(t.name for t in references),
                      runnable=tree.sql(dialect="duckdb", comments=False))


def _one_read_only_query(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise SQLRefused(_("The query could not be understood: %(reason)s") % {
            "reason": str(exc).splitlines()[0][:200]}) from exc
    if len(statements) != 1:
        raise SQLRefused(_("Send exactly one query (no semicolon-separated statements)."))
    tree = statements[0]
    if not isinstance(tree, ALLOWED_ROOTS) or any(isinstance(node, FORBIDDEN_NODES) for node in tree.walk()):
        raise SQLRefused(_("Only read-only SELECT queries are allowed."))
    return tree


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _refuse_forbidden_functions(tree: exp.Expression) -> None:
    for node in tree.find_all(exp.Func):
        name = _function_name(node)
        if name in FORBIDDEN_FUNCTIONS or name.startswith(FORBIDDEN_PREFIXES) or isinstance(node, exp.ReadCSV):
            raise SQLRefused(_("The function %(name)s is not allowed: queries may only read published "
                               "tables.") % {"name": name})


def _refuse_lateral_table_functions(tree: exp.Expression) -> None:
    # In FROM and JOIN a table function is a table node, refused below; after LATERAL it is not.
    for node in tree.find_all(exp.Lateral):
        if not isinstance(node.this, exp.Subquery | exp.Unnest):
            raise SQLRefused(_("Only published tables may be read, named by their resource id."))


def _fold(name: str) -> str:
    return name.translate(ASCII_LOWER)


def _table_references(tree: exp.Expression, allowed: Collection[str]) -> Iterator[exp.Table]:
    """The references to published tables, in order; CTE references are left alone, anything else refused."""
    resolved = set()
    for table, visible in _tables_in_scope(tree, frozenset()):
        resolved.add(id(table))
        if _is_plain_name(table) and _fold(table.name) in visible:
            continue
        if not _is_plain_name(table):
            raise SQLRefused(_("Only published tables may be read, named by their resource id."))
        if table.name not in allowed:
            raise SQLRefused(_("“%(name)s” is not a published table.") % {"name": table.name})
        if any(table.args.get(arg) for arg in table.args if arg not in ("this", *MOVABLE_TABLE_ARGS)):
            raise SQLRefused(_("“%(name)s” may only be read whole: time travel, hints and other table "
                               "options are not available.") % {"name": table.name})
        yield table
    if any(id(table) not in resolved for table in tree.find_all(exp.Table)):
        # A table where the scopes above do not reach: refused rather than left for DuckDB to look up.
        raise SQLRefused(_("Only published tables may be read, named by their resource id."))


def _is_plain_name(table: exp.Table) -> bool:
    return isinstance(table.this, exp.Identifier) and not table.args.get("db") and not table.args.get("catalog")


def _tables_in_scope(node: exp.Expression, visible: frozenset[str], *,
                     skip: tuple[str, ...] = ()) -> Iterator[tuple[exp.Table, frozenset]]:
    """Every table node under `node` (but in its arguments `skip`), with the CTE names visible where it stands
    (folded as DuckDB folds them). A WITH clause's CTEs are visible in the rest of the query that carries it,
    each also in the bodies of the CTEs defined after it."""
    with_ = node.args.get("with_")
    if isinstance(with_, exp.With):
        visible = yield from _ctes(with_, visible)
    if isinstance(node, exp.Table):
        yield node, visible
    for key, value in node.args.items():
        if key == "with_" or key in skip:
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, exp.Expression):
                yield from _tables_in_scope(child, visible)


def _ctes(with_: exp.With, visible: frozenset[str]):
    """Walks the CTE bodies and returns the names visible after the WITH clause."""
    recursive = bool(with_.args.get("recursive"))
    for cte in with_.expressions:
        name = _fold(cte.alias)
        body, wrappers = cte.this, []
        while isinstance(body, exp.Subquery) and not body.args.get("with_"):
            wrappers.append(body)
            body = body.this
        if recursive and isinstance(body, exp.Union) and not body.args.get("by_name"):
            # DuckDB makes such a CTE recursive: its name means itself in the union's last operand only (the
            # anchor before it still sees what the name meant outside).
            yield from _tables_in_union(body, visible, visible | {name})
            for wrapper in wrappers:
                yield from _tables_in_scope(wrapper, visible, skip=("this",))
        else:
            yield from _tables_in_scope(cte.this, visible)
        for key, value in cte.args.items():
            if key not in ("this", "alias") and isinstance(value, exp.Expression):
                yield from _tables_in_scope(value, visible)
        visible = visible | {name}
    return visible


def _tables_in_union(union: exp.Union, anchor: frozenset[str], recursive: frozenset[str]):
    with_ = union.args.get("with_")
    if isinstance(with_, exp.With):
        anchor = yield from _ctes(with_, anchor)
        recursive = recursive | anchor
    for key, value in union.args.items():
        if key == "with_":
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, exp.Expression):
                yield from _tables_in_scope(child, recursive if key == "expression" else anchor)


def _bound(table: exp.Table, relation_sql: str) -> exp.Subquery:
    """The relation replacing a table reference, under the name the query uses for it (its alias, else its
    name), carrying the reference's joins, laterals, pivots and sample."""
    relation = sqlglot.parse_one(relation_sql, read="duckdb")
    if not isinstance(relation, exp.Subquery):
        relation = exp.Subquery(this=relation)
    alias = table.args.get("alias") or exp.TableAlias(this=exp.Identifier(this=table.name, quoted=True))
    relation.set("alias", alias)
    for arg in MOVABLE_TABLE_ARGS[1:]:
        if table.args.get(arg):
            relation.set(arg, table.args[arg])
    return relation
