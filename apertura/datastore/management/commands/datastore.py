import json

from django.core.management.base import BaseCommand, CommandError

from apertura.datastore.engine.query import QueryError, datastore_search, format_records
from apertura.datastore.selectors import NotPublished, published_table
from apertura.datastore.services import datastore_ingest


class Command(BaseCommand):
    help = "Load tabular files into the datastore and query them."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{ingest,query}")
        ingest = verbs.add_parser("ingest", help="validate a file and publish it as the table's next version")
        ingest.add_argument("key", help="the resource key of the table")
        ingest.add_argument("file", help="CSV/TSV, XLSX, JSON (a list of records) or Parquet")
        query = verbs.add_parser("query", help="datastore_search from the command line")
        query.add_argument("key")
        query.add_argument("--filter", dest="filters", action="append", default=[], metavar="COLUMN=VALUE",
                           help="keep rows whose column equals the value (repeat for several)")
        query.add_argument("--q", default=None, help="words to find in the text columns")
        query.add_argument("--sort", default=None, help='e.g. "edad desc, nombre"')
        query.add_argument("--fields", default=None, help="comma-separated columns")
        query.add_argument("--limit", type=int, default=20)
        query.add_argument("--offset", type=int, default=0)
        query.add_argument("--format", dest="output", choices=["csv", "json"], default="csv")

    def handle(self, *args, verb, **options):
        return getattr(self, f"handle_{verb}")(**options)

    def handle_ingest(self, *, key, file, **_options):
        def progress(stage: str, fraction: float):
            filled = int(fraction * 30)
            self.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {stage:<16}", ending="")
            self.stderr.flush()

        try:
            result = datastore_ingest(key=key, source_path=file, progress=progress)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        self.stderr.write("")
        report = result.report
        for warning in report["warnings"]:
            self.stdout.write(f"warning: {warning}")
        for error in report["errors"]:
            self.stdout.write(f"{error['type']}: {error['message']}")
        if not result.ok:
            raise CommandError(report["summary"])
        self.stdout.write(self.style.SUCCESS(
            f"{key}: {result.row_count} rows, {len(result.schema['fields'])} columns published "
            f"({report['stats']['seconds']} s)."))

    def handle_query(self, *, key, filters, q, sort, fields, limit, offset, output, **_options):
        equal = {}
        for item in filters:
            column, equals, value = item.partition("=")
            if not equals:
                raise CommandError(f"--filter takes COLUMN=VALUE, not {item!r}")
            equal.setdefault(column, []).append(value)
        try:
            result = datastore_search(published_table(key), filters=equal, q=q, sort=sort, fields=fields,
                                      limit=limit, offset=offset, records_format="objects")
        except NotPublished as exc:
            raise CommandError(f"No published table {key!r}.") from exc
        except QueryError as exc:
            raise CommandError(str(exc)) from exc
        names = [f["id"] for f in result["fields"]]
        if output == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(format_records([{n: n for n in names}, *result["records"]], names, "csv"), ending="")
        self.stderr.write(f"{len(result['records'])} of {result['total']} rows")
