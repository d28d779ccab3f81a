"""Checks a user's SQL before DuckDB sees it: parsed (sqlglot), never pattern-matched.

Allowed: exactly one read-only query (SELECT, set operations, CTEs, joins, subqueries, window functions)
whose tables are all published resources, named by their key. Refused: any other statement (INSERT, COPY,
ATTACH, PRAGMA, SET, INSTALL, LOAD…), any table that is not a published resource (files, other schemas,
catalogs, DuckDB's own metadata), table functions in FROM, and every function that reads files, the
network, the environment or the database's configuration. The query that runs is the one sqlglot
regenerates from the checked tree, so the parser and DuckDB cannot disagree about what was checked.
"""

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
                   exp.LoadData, exp.Transaction, exp.Commit, exp.Rollback, exp.Into)


class SQLRefused(ValueError):
    """The query is not allowed; the message says why in plain words."""


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def check_sql(sql: str, *, allowed_tables: set[str]) -> tuple[str, set[str]]:
    """Return (the SQL to run, the resource keys it reads), or raise SQLRefused."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise SQLRefused(_("The query could not be understood: %(reason)s") % {
            "reason": str(exc).splitlines()[0][:200]}) from exc
    if len(statements) != 1:
        raise SQLRefused(_("Send exactly one query (no semicolon-separated statements)."))
    tree = statements[0]
    if not isinstance(tree, ALLOWED_ROOTS) or any(isinstance(node, FORBIDDEN_NODES) for node in tree.walk()):
        raise SQLRefused(_("Only read-only SELECT queries are allowed."))
    for node in tree.find_all(exp.Func):
        name = _function_name(node)
        if name in FORBIDDEN_FUNCTIONS or name.startswith(FORBIDDEN_PREFIXES) or isinstance(
                node, exp.ReadCSV):
            raise SQLRefused(_("The function %(name)s is not allowed: queries may only read published "
                               "tables.") % {"name": name})
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    used = set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") or table.args.get("catalog"):
            raise SQLRefused(_("Only published tables may be read, named by their resource id."))
        name = table.name
        if name in ctes and not table.args.get("db"):
            continue
        if name not in allowed_tables:
            raise SQLRefused(_("“%(name)s” is not a published table.") % {"name": name})
        used.add(name)
    if not used:
        raise SQLRefused(_("The query must read at least one published table."))
    return tree.sql(dialect="duckdb"), used
