"""How the plan pages grow with their data.

Imports the 5th plan into a throwaway SQLite database, measures four public pages, then adds 1,000
progress reports (with civil-society verdicts) and 10,000 history entries and measures them again. The
table shows, for each page, latency, queries and bytes with the plan alone and with the data, so a page
whose query count follows the data shows up here before it shows up in production.

    .venv/bin/python bench/plan_pages.py      (or `make bench`, which runs every bench/*.py)
"""

import datetime as dt
import shutil
import sys
import time

from _harness import DATA_DIR, import_plan, measure, table  # noqa: I001 - configures Django first

from django.db import transaction  # noqa: E402

REPORTS, HISTORY = 1_000, 10_000
REQUESTS, WARM_UP, PAGE_BUDGET_S, MIN_REQUESTS = 50, 1, 10.0, 5  # a slow page stops early: the run stays short
PAGES = [
    ("plan dashboard", "/plans/2021-2023/dashboard/"),
    ("commitment 4", "/plans/2021-2023/commitments/4/"),
    ("commitment 4 history", "/plans/2021-2023/commitments/4/history/"),
    ("milestone 4.3", "/plans/2021-2023/milestones/4.3/"),
]






def add_reports():
    """Reports spread evenly over the milestones, monthly from September 2021, some completed, with verdicts
    from three organizations (some confirm, some dispute, some disagree). Written in bulk to keep the run
    short: the same rows the services write, without the audit and history rows these pages do not read."""
    from django.contrib.auth import get_user_model

    from apertura.institutions.models import Institution
    from apertura.plans.models import Milestone, ProgressReport, Validation

    author = get_user_model().objects.create_user("bench-editor", password=None)
    organizations = list(Institution.objects.filter(acronym__in=["RedCiudadana", "FUNDAL", "CIIDH"]))
    milestones = list(Milestone.objects.prefetch_related("responsible").order_by("commitment__number", "seq"))
    rounds = -(-REPORTS // len(milestones))
    narrative = "Meetings held, documents drafted and data published on the institution's portal. " * 8
    reports = []
    for index in range(REPORTS):
        round_, position = divmod(index, len(milestones))
        milestone = milestones[position]
        pace = 2 + position % 5  # percentage points a month: some milestones move faster than others
        as_of = dt.date(2021, 9, 1) + dt.timedelta(days=30 * round_)
        done = round_ == rounds - 1 and index % 3 == 0
        reports.append(ProgressReport(
            milestone=milestone, institution=milestone.responsible.all()[0], author=author, narrative=narrative,
            status="completed" if done else "in_progress", percent=100 if done else min(95, (round_ + 1) * pace),
            as_of=as_of, completed_on=as_of if done else None))
    ProgressReport.objects.bulk_create(reports, batch_size=500)
    Validation.objects.bulk_create([
        Validation(report=report, organization=org, monitor=author, reason="Checked against the documents.",
                   verdict="dispute" if org.acronym == "FUNDAL" else "confirm")
        for index, report in enumerate(reports) for k, org in enumerate(organizations)
        if (index + k) % (k + 2) == 0], batch_size=500)


def add_history():
    """Revisions of every commitment and milestone, written straight into the history tables."""
    from django.apps import apps

    from apertura.plans.models import Commitment, Milestone

    subjects = [(Commitment, ["supporting_institutions", "civil_society"], "observations"),
                (Milestone, ["responsible"], "responsible_note")]
    originals = [(model, m2m, field, record) for model, m2m, field in subjects
                 for record in model.history.filter(history_type="+")]
    per_record, extra = divmod(HISTORY, len(originals))
    for position, (model, m2m, field, original) in enumerate(originals):
        values = {f.attname: getattr(original, f.attname) for f in model.history.model._meta.concrete_fields
                  if f.attname != "history_id"}
        revisions = [model.history.model(**{
            **values, field: f"Revision {k}.", "history_type": "~", "history_change_reason": f"bench {k}",
            "history_date": original.history_date + dt.timedelta(minutes=k + 1)})
            for k in range(per_record + (position < extra))]
        model.history.model.objects.bulk_create(revisions, batch_size=500)
        for name in m2m:  # every revision carries its many-to-many rows, as a real save does
            through = apps.get_model(model._meta.app_label, f"{model.history.model.__name__}_{name}")
            rows = list(through.objects.filter(history=original))
            through.objects.bulk_create([through(**{f.attname: getattr(row, f.attname) for f in
                                                    through._meta.concrete_fields if f.attname not in
                                                    ("m2m_history_id", "history_id")}, history=revision)
                                         for revision in revisions for row in rows], batch_size=500)




def main():
    began = time.perf_counter()

    def step(text):
        print(f"[{time.perf_counter() - began:5.1f} s] {text}", file=sys.stderr, flush=True)

    try:
        step("migrating and importing the 5th plan")
        import_plan()
        step("measuring the pages with the plan alone")
        before = measure(PAGES, requests=REQUESTS, budget_s=PAGE_BUDGET_S, min_requests=MIN_REQUESTS,
                         uncounted=WARM_UP)
        step(f"adding {REPORTS:,} reports with their verdicts and {HISTORY:,} history entries")
        seeding = time.perf_counter()
        with transaction.atomic():
            add_reports()
            add_history()
        seeded = time.perf_counter()
        step("measuring the pages again")
        after = measure(PAGES, requests=REQUESTS, budget_s=PAGE_BUDGET_S, min_requests=MIN_REQUESTS,
                        uncounted=WARM_UP)
        print(f"\nPlan pages on SQLite, Django test client: up to {REQUESTS} requests per page after a warm-up "
              f"(at least {MIN_REQUESTS}, fewer than {REQUESTS} when a page takes over {PAGE_BUDGET_S:.0f} s).")
        print("queries: one request counted with CaptureQueriesContext; bytes: the response body.\n")
        print(table(PAGES, before, after, baseline="plan only (baseline)",
                    loaded=f"+{REPORTS:,} reports, +{HISTORY:,} hist.", width=22))
        print(f"\ndata generated in {seeded - seeding:.1f} s; whole run {time.perf_counter() - began:.1f} s")
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
