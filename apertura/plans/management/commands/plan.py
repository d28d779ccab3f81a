import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apertura.plans.formats.plan_export import plan_csv, plan_to_data, plan_xlsx
from apertura.plans.formats.plan_file import PlanFileError, read_plan_file
from apertura.plans.models import Plan
from apertura.plans.services import plan_import


class Command(BaseCommand):
    help = "Import an action-plan file, or export a plan as JSON, CSV or XLSX."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{import,export}")
        imp = verbs.add_parser("import", help="check a plan file and write it in one transaction")
        imp.add_argument("file", help="a plan file in the apertura-plan/1 format (YAML or JSON)")
        imp.add_argument("--check", action="store_true", help="only check the file; write nothing")
        exp = verbs.add_parser("export", help="write a plan out")
        exp.add_argument("plan", help="the plan's slug, e.g. 2021-2023")
        exp.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
        exp.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, verb, **options):
        return getattr(self, f"handle_{verb}")(**options)

    def handle_import(self, *, file, check, **_options):
        try:
            data = read_plan_file(file)
        except PlanFileError as error:
            count = len(error.problems)
            lines = [f"{file}: {count} problem{'s' if count > 1 else ''}; nothing was written."]
            lines += [f"  {file}:{p.line or '?'}  {p.where or '(file)'}: {p.message}" for p in error.problems]
            raise CommandError("\n".join(lines)) from None
        if check:
            self.stdout.write(f"{file}: the plan file is valid ({len(data['commitments'])} commitments).")
            return
        report = plan_import(data=data, source=str(Path(file).name))
        self.stdout.write(self.style.SUCCESS(f"Imported plan {report.plan.slug}: {report.summary()}."))

    def handle_export(self, *, plan, format, output, **_options):
        try:
            obj = Plan.objects.get(slug=plan)
        except Plan.DoesNotExist:
            known = ", ".join(Plan.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"There is no plan «{plan}». Plans: {known}.") from None
        if format == "json":
            content = json.dumps(plan_to_data(obj), ensure_ascii=False, indent=2).encode() + b"\n"
        elif format == "csv":
            content = plan_csv(obj).encode("utf-8")
        else:
            content = plan_xlsx(obj)
        if output:
            Path(output).write_bytes(content)
            self.stdout.write(f"Wrote {output} ({len(content):,} bytes).")
        elif format != "xlsx":
            self.stdout.write(content.decode("utf-8"), ending="")
        elif sys.stdout.isatty():
            raise CommandError("XLSX is binary: give --output FILE, or redirect the output to a file.")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
