import json

from django.core.management.base import BaseCommand, CommandError

from apertura.datastore.engine.query import QueryError, datastore_search, format_records
from apertura.datastore.selectors import NotPublished, published_table
from apertura.datastore.engine.report import held_reasons
from apertura.datastore.services import NothingHeld, datastore_held_discard, datastore_held_publish, datastore_ingest

# The exit status of an ingest whose file is valid but held for confirmation (1 is a refused file).
HELD_STATUS = 2


class Command(BaseCommand):
    help = "Load tabular files into the datastore and query them."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{ingest,confirm,discard,query}")
        ingest = verbs.add_parser("ingest", help="validate a file and publish it as the table's next version")
        ingest.add_argument("key", help="the resource key of the table")
        ingest.add_argument("file", help="CSV/TSV, XLSX, JSON (a list of records) or Parquet")
        ingest.add_argument("--confirm", action="store_true",
                            help="publish even a file with no rows, or without some of the published columns "
                                 "(otherwise held for confirmation, exit status 2)")
        confirm = verbs.add_parser("confirm", help="publish the upload held for confirmation")
        confirm.add_argument("key")
        discard = verbs.add_parser("discard", help="discard the upload held for confirmation")
        discard.add_argument("key")
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

    def handle_ingest(self, *, key, file, confirm=False, **_options):
        def progress(stage: str, fraction: float):
            filled = int(fraction * 30)
            self.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {stage:<16}", ending="")
            self.stderr.flush()

        try:
            result = datastore_ingest(key=key, source_path=file, progress=progress, confirm=confirm)
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
        if result.held:
            for reason in held_reasons(result.held):
                self.stdout.write(f"held: {reason}")
            raise CommandError(
                f"{key}: the file is valid but held; version {result.held['publishedVersion']} stays published. "
                f"Publish it with `apertura datastore confirm {key}`, or discard it with `apertura datastore "
                f"discard {key}` (or ingest again with --confirm).", returncode=HELD_STATUS)
        self.stdout.write(self.style.SUCCESS(
            f"{key}: {result.row_count} rows, {len(result.schema['fields'])} columns published "
            f"({report['stats']['seconds']} s)."))

    def handle_confirm(self, *, key, **_options):
        try:
            version = datastore_held_publish(key=key, system=True)
        except NothingHeld as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{key}: version {version.number} published, {version.row_count} rows."))

    def handle_discard(self, *, key, **_options):
        try:
            table = datastore_held_discard(key=key, system=True)
        except NothingHeld as exc:
            raise CommandError(str(exc)) from exc
        kept = f"version {table.current.number} stays published" if table.current else "nothing is published"
        self.stdout.write(self.style.SUCCESS(f"{key}: the held upload was discarded; {kept}."))

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
