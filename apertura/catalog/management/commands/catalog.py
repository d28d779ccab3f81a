from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apertura.catalog.harvest import harvest_ckan, harvest_dcat
from apertura.catalog.services import catalog_publish_self, catalog_publish_self_if_changed


class Command(BaseCommand):
    help = "Open data catalog tasks: publish the platform's own data (GAE); harvest a CKAN portal or DCAT catalog."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="{publish-self,harvest-ckan,harvest-dcat}")
        publish = verbs.add_parser("publish-self", help="publish or refresh the plans and data requests as datasets")
        publish.add_argument("--site-url", default=None, help="public address of the site (APERTURA_SITE_URL)")
        publish.add_argument("--if-changed", action="store_true",
                             help="only if plans, progress, participation or data requests changed since (for cron)")

        harvest = verbs.add_parser("harvest-ckan", help="import the datasets of a CKAN (or Apertura) portal")
        harvest.add_argument("url", help="the portal's address, e.g. https://datos.example.org")
        harvest.add_argument("--since", default="", help="only datasets modified since (ISO 8601 date and time)")
        dcat = verbs.add_parser("harvest-dcat", help="import the datasets of a DCAT catalog (follows Hydra paging)")
        dcat.add_argument("url", help="the catalog's address, e.g. https://datos.example.org/catalog.ttl")

    def handle(self, *args, verb, **options):
        if verb in {"harvest-ckan", "harvest-dcat"}:
            report = (harvest_ckan(url=options["url"], since=options["since"]) if verb == "harvest-ckan"
                      else harvest_dcat(url=options["url"]))
            for line in report.lines():
                self.stdout.write(line)
            if report.error:
                raise CommandError(f"harvest stopped: {report.error}")
            return
        if verb == "publish-self":
            site_url = options["site_url"] or settings.SITE_URL
            if options["if_changed"]:
                changed = catalog_publish_self_if_changed(site_url=site_url)
                self.stdout.write("republished" if changed else "unchanged since the last publication")
                return
            try:
                datasets = catalog_publish_self(site_url=site_url, system=True)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            for dataset in datasets:
                self.stdout.write(f"{dataset.name}: {dataset.resources.count()} resources")
