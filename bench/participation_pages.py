"""How the participation pages grow with their data.

Imports the 5th plan into a throwaway SQLite database, adds 10 proposals (with supports and answers) and a
closed consultation with 10 comments, measures the proposal list, the inputs dashboard and the consultation's
pages, then grows both to 10,000 (proposals, and comments on the same consultation) and measures them again.
The table shows, for each page, latency, queries and bytes, so a page whose query count or weight follows the
data shows up here before it shows up in production. The consultation page shows one page of comments per
section (also measured deep inside one section), the report one page of comments; both CSVs hold everything
and are streamed, so the harness reads them inside the timing.

    .venv/bin/python bench/participation_pages.py      (or `make bench`, which runs every bench/*.py)
"""

import datetime as dt
import shutil
import sys
import time

from _harness import DATA_DIR, import_plan, measure, table  # noqa: I001 - configures Django first

from django.db import transaction  # noqa: E402

BASELINE, LOADED = 10, 10_000  # proposals, and comments on the consultation
PARTICIPANTS, SECTIONS = 200, 8
SLUG = "bench-consultation"
REQUESTS, PAGE_BUDGET_S, MIN_REQUESTS = 50, 5.0, 3  # a slow page stops early: the run stays short
PROPOSALS = "/participate/plans/2021-2023/proposals/"
CONSULTATION = f"/participate/consultations/{SLUG}/"
PAGES = [
    ("proposals, page 1", PROPOSALS),
    ("proposals, page 200", f"{PROPOSALS}?page=200"),  # the last page loaded; the baseline clamps it to page 1
    ("proposals, most supported", f"{PROPOSALS}?sort=supports"),
    ("proposals CSV (all)", f"{PROPOSALS}?format=csv"),
    ("inputs dashboard", "/participate/plans/2021-2023/inputs/"),
    ("consultation", CONSULTATION),
    ("consultation, §3 page 60", f"{CONSULTATION}?section=3&page=60"),  # deep in one section (1,250 there)
    ("consultation report", f"{CONSULTATION}report/"),
    ("consultation report p.100", f"{CONSULTATION}report/?page=100"),
    ("consultation report CSV", f"{CONSULTATION}report/?format=csv"),
]






def setup_people_and_consultation():
    """The participants who write and support, an administrator who answers, and a consultation of the plan
    that has closed (so its comments are answered and its summary report is published)."""
    from django.contrib.auth import get_user_model

    from apertura.participation.models import Consultation, ConsultationSection, Participant
    from apertura.plans.models import Plan

    User = get_user_model()  # noqa: N806
    User.objects.bulk_create([User(username=f"bench-p{k}", first_name=f"Participant {k}", password="!")
                              for k in range(PARTICIPANTS)])
    Participant.objects.bulk_create([Participant(user=u) for u in User.objects.filter(username__startswith="bench-p")])
    User.objects.create_user("bench-admin", password=None)
    now = dt.datetime.now(dt.UTC)
    consultation = Consultation.objects.create(
        plan=Plan.objects.get(slug="2021-2023"), slug=SLUG, title="Draft of the 6th action plan",
        purpose="Comment on each section of the **draft** before the forum approves it.",
        opens_at=now - dt.timedelta(days=60), closes_at=now - dt.timedelta(days=30),
        summary="The forum received the comments below and answered them in groups. " * 5,
        summary_published_at=now - dt.timedelta(days=20))
    ConsultationSection.objects.bulk_create([
        ConsultationSection(consultation=consultation, order=k, title=f"Section {k}",
                            text=f"Text of section {k}, with *emphasis* and a [link](https://example.org/{k}).\n\n"
                                 + "The institutions commit to publish the data in open formats. " * 6)
        for k in range(1, SECTIONS + 1)])


def add_proposals(start: int, stop: int):
    """Proposals `start`..`stop-1` of the plan: themes, institutions and departments in turn; 0-7 supports
    each; four in ten answered with a reasoned response (incorporated into a commitment, merged into the
    previous proposal, or not adopted), one more in ten under review with an interim answer. Written in bulk,
    without the history steps, audit rows and follows the services add, which these pages do not read."""
    from django.contrib.auth import get_user_model

    from apertura.institutions.models import Institution
    from apertura.geo.regions import DEPARTMENTS
    from apertura.participation.limits import fingerprint
    from apertura.participation.models import Proposal, ProposalStatus, Support
    from apertura.plans.models import Commitment, Plan

    plan = Plan.objects.get(slug="2021-2023")
    people = list(get_user_model().objects.filter(username__startswith="bench-p").order_by("pk"))
    admin = get_user_model().objects.get(username="bench-admin")
    themes = list(plan.themes.all())
    institutions = list(Institution.objects.order_by("pk")[:20])
    commitments = list(Commitment.objects.filter(plan=plan).order_by("number"))
    answer = "The forum weighed the proposal against the plan's commitments and the available budget; " * 3
    now = dt.datetime.now(dt.UTC)
    proposals = []
    for i in range(start, stop):
        kind = i % 10
        status = {4: ProposalStatus.UNDER_REVIEW, 5: ProposalStatus.UNDER_REVIEW, 6: ProposalStatus.INCORPORATED,
                  7: ProposalStatus.MERGED, 8: ProposalStatus.NOT_ADOPTED, 9: ProposalStatus.NOT_ADOPTED}.get(
            kind, ProposalStatus.RECEIVED)
        title, problem = f"Proposal {i}: publish the data of programme {i % 97}", f"Problem {i}. " * 40
        proposals.append(Proposal(
            plan=plan, author=people[i % PARTICIPANTS], title=title, problem=problem,
            proposal="Publish every quarter, in open formats, the beneficiaries and the amounts. " * 6,
            theme=themes[i % len(themes)] if i % 7 else None,
            institution=institutions[i % len(institutions)] if i % 3 else None,
            department=DEPARTMENTS[i % 22][0] if i % 23 else "", status=status,
            response=answer if kind >= 5 else "", responded_by=admin if kind >= 5 else None,
            responded_at=now if kind >= 5 else None,
            commitment=commitments[i % len(commitments)] if kind == 6 else None,
            fingerprint=fingerprint(title, problem), hidden=i % 101 == 50))
    Proposal.objects.bulk_create(proposals, batch_size=500)
    merged = []
    for proposal, previous in zip(proposals[1:], proposals, strict=False):
        if proposal.status == ProposalStatus.MERGED:
            proposal.merged_into = previous
            merged.append(proposal)
    Proposal.objects.bulk_update(merged, ["merged_into"], batch_size=500)
    Support.objects.bulk_create([  # supporters never include the author (offsets 1..92, distinct mod 200)
        Support(proposal=proposal, user=people[(i + 1 + 13 * k) % PARTICIPANTS])
        for i, proposal in zip(range(start, stop), proposals, strict=True) for k in range(i % 8)], batch_size=1000)


def add_comments(start: int, stop: int):
    """Comments `start`..`stop-1` on the consultation, spread over its sections; one in five answered (a
    response for every 25 comments), one in a hundred hidden by moderation."""
    from django.contrib.auth import get_user_model

    from apertura.participation.limits import fingerprint
    from apertura.participation.models import ConsultationComment, ConsultationResponse, ConsultationSection

    people = list(get_user_model().objects.filter(username__startswith="bench-p").order_by("pk"))
    admin = get_user_model().objects.get(username="bench-admin")
    sections = list(ConsultationSection.objects.filter(consultation__slug=SLUG).order_by("order"))
    consultation = sections[0].consultation
    responses = list(ConsultationResponse.objects.filter(consultation=consultation).order_by("pk"))  # one a group
    responses += ConsultationResponse.objects.bulk_create([
        ConsultationResponse(consultation=consultation, author=admin,
                             text=f"Response {g}: the forum adopts the suggestion in the final text of the plan.")
        for g in range(len(responses), (stop - 1) // 25 + 1)], batch_size=500)
    comments = []
    for i in range(start, stop):
        section = sections[i % SECTIONS]
        text = (f"Comment {i}. The **deadline** of this section is too short; " + "please consider it. " * (i % 12)
                + "\n\n- one more point\n- and another")
        comments.append(ConsultationComment(
            section=section, author=people[(i * 7) % PARTICIPANTS], text=text,
            response=responses[i // 25] if i % 5 == 0 else None,
            fingerprint=fingerprint(str(section.pk), text), hidden=i % 100 == 99))
    ConsultationComment.objects.bulk_create(comments, batch_size=500)




def main():
    began = time.perf_counter()

    def step(text):
        print(f"[{time.perf_counter() - began:5.1f} s] {text}", file=sys.stderr, flush=True)

    try:
        step("migrating and importing the 5th plan")
        import_plan()
        step(f"adding {BASELINE} proposals and a consultation with {BASELINE} comments")
        with transaction.atomic():
            setup_people_and_consultation()
            add_proposals(0, BASELINE)
            add_comments(0, BASELINE)
        step("measuring the baseline")
        # One request per page first: the process's first-use costs stay out of the baseline.
        measure(PAGES, requests=1, budget_s=0, min_requests=1)
        before = measure(PAGES, requests=REQUESTS, budget_s=PAGE_BUDGET_S, min_requests=MIN_REQUESTS)
        step(f"growing both to {LOADED:,}")
        seeding = time.perf_counter()
        with transaction.atomic():
            add_proposals(BASELINE, LOADED)
            add_comments(BASELINE, LOADED)
        seeded = time.perf_counter()
        step("measuring the pages again")
        after = measure(PAGES, requests=REQUESTS, budget_s=PAGE_BUDGET_S, min_requests=MIN_REQUESTS)
        from apertura.participation.models import ConsultationComment, Proposal, Support

        print(f"\nParticipation pages on SQLite, Django test client, anonymous: up to {REQUESTS} requests per page "
              f"after a warm-up (at least {MIN_REQUESTS}, fewer than {REQUESTS} when a page takes over "
              f"{PAGE_BUDGET_S:.0f} s).")
        print(f"Loaded: {Proposal.objects.count():,} proposals with {Support.objects.count():,} supports; "
              f"{ConsultationComment.objects.count():,} comments over {SECTIONS} sections of one consultation.")
        print("queries: one request counted with CaptureQueriesContext; bytes: the response body.\n")
        print(table(PAGES, before, after, baseline=f"{BASELINE} each (baseline)",
                    loaded=f"{LOADED:,} proposals/comments"))
        print(f"\ndata generated in {seeded - seeding:.1f} s; whole run {time.perf_counter() - began:.1f} s")
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
