"""The participation JSON API: read-only, paginated, public content only (a hidden contribution in its placeholder
state), people by display name only; its records are the pages' JSON twins."""

import datetime as dt
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apertura.institutions.models import Institution
from apertura.participation.models import Proposal, ProposalStatus
from apertura.participation.services import (
    consultation_comment, consultation_create, consultation_respond, forum_member_add, meeting_document_add,
    meeting_record, proposal_respond,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/participation"
REASON = "The forum adopted it as milestone 4.2, to be published every month."


@pytest.fixture
def api():
    return Client()


INSTANT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\d*(Z|[+-]\d\d:\d\d)$")


def same_record(data):
    """The record as the API writes it: its JSON renderer keeps milliseconds of an instant, a page's twin all
    its digits (the same instant either way)."""
    if isinstance(data, dict):
        return {k: same_record(v) for k, v in data.items()}
    if isinstance(data, list):
        return [same_record(v) for v in data]
    return INSTANT.sub(r"\1\2", data) if isinstance(data, str) else data


def test_the_openapi_schema_lists_the_participation_endpoints(api):
    schema = api.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {f"{API}/plans/{{slug}}/proposals", f"{API}/proposals/{{pk}}", f"{API}/plans/{{slug}}/inputs",
            f"{API}/consultations", f"{API}/consultations/{{slug}}", f"{API}/consultations/{{slug}}/comments",
            f"{API}/forum/members", f"{API}/forum/meetings", f"{API}/plans/{{slug}}/scorecard"} <= paths
    assert not any(method != "get" for path in paths if path.startswith(API) for method in schema["paths"][path])
    proposal = schema["components"]["schemas"]["ProposalOut"]
    assert {"hidden", "title", "response"} <= set(proposal["required"])
    assert {"type": "null"} in proposal["properties"]["title"]["anyOf"]  # null when hidden


def test_proposals_with_status_and_reasoned_response_hidden_ones_as_placeholders_no_personal_data(
        api, plan, participant, make_proposal, admin):
    author = participant("Lucía")
    answered = make_proposal(author, title="Open school budgets")
    proposal_respond(by=admin, proposal=answered, status=ProposalStatus.NOT_ADOPTED, response=REASON)
    hidden = make_proposal(participant("Troll"), title="Something hidden")
    Proposal.objects.filter(pk=hidden.pk).update(hidden=True)
    for n in range(3):
        make_proposal(participant(f"P{n}"), title=f"Proposal number {n}")
    page = api.get(f"{API}/plans/{plan.slug}/proposals?limit=2").json()
    assert page["count"] == 5 and len(page["items"]) == 2
    everything = api.get(f"{API}/plans/{plan.slug}/proposals?status=not_adopted").json()["items"]
    assert [p["title"] for p in everything] == ["Open school budgets"]
    item = everything[0]
    assert item["response"] == REASON and item["author"] == "Lucía" and item["supports"] == 0
    assert not {"email", "username", "affiliation", "author_id"} & set(item)
    assert author.email not in api.get(f"{API}/plans/{plan.slug}/proposals").content.decode()
    detail = api.get(f"{API}/proposals/{answered.pk}").json()
    assert [(step["status"], step["response"]) for step in detail["history"]] == [
        ("received", None), ("not_adopted", REASON)]
    # A hidden proposal keeps its place, never its texts; the API answers what the page's twin answers.
    placeholder = api.get(f"{API}/proposals/{hidden.pk}").json()
    assert placeholder["hidden"] and placeholder["title"] is placeholder["problem"] is placeholder["proposal"] is None
    assert "Something hidden" not in api.get(f"{API}/plans/{plan.slug}/proposals").content.decode()
    twin = Client().get(hidden.get_absolute_url(), {"format": "json"}).json()
    assert same_record(twin) == placeholder
    unanswered = api.get(f"{API}/proposals/{hidden.pk + 1}").json()
    assert unanswered["response"] is None and unanswered["responded_at"] is None
    assert api.get(f"{API}/proposals/999999").status_code == 404
    assert api.get(f"{API}/plans/no-such-plan/proposals").status_code == 404


def test_the_inputs_dashboard(api, plan, participant, make_proposal, admin):
    proposal_respond(by=admin, proposal=make_proposal(participant(), department="16"), status="not_adopted",
                     response=REASON)
    board = api.get(f"{API}/plans/{plan.slug}/inputs").json()
    assert board["totals"] == {"received": 1, "answered": 1, "adopted": 0, "closed": 1}
    assert Client().get(f"/participate/plans/{plan.slug}/inputs/", {"format": "json"}).json() == board


def test_consultations_and_their_public_comments(api, plan, admin, participant):
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="Draft", purpose="Comment on it.",
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5),
                                       document="## One\nFirst.\n## Two\nSecond.")
    one, two = consultation.sections.all()
    first = consultation_comment(by=participant("Lucía"), section=one, text="Publish monthly.")
    hidden = consultation_comment(by=participant("Troll"), section=two, text="Something rude.")
    type(hidden).objects.filter(pk=hidden.pk).update(hidden=True)
    consultation_comment(by=participant("Pedro"), section=two, text="Add a deadline.")
    type(consultation).objects.filter(pk=consultation.pk).update(closes_at=now - timedelta(minutes=1),
                                                                 opens_at=now - timedelta(days=3))
    consultation.refresh_from_db()
    consultation_respond(by=admin, consultation=consultation, comments=[first], text=REASON)
    listing = api.get(f"{API}/consultations").json()
    assert listing["count"] == 1 and listing["items"][0]["phase"] == "closed"
    detail = api.get(f"{API}/consultations/{consultation.slug}").json()
    assert [(s["title"], s["comment_count"]) for s in detail["sections"]] == [("One", 1), ("Two", 2)]
    assert [r["text"] for r in detail["responses"]] == [REASON]
    comments = api.get(f"{API}/consultations/{consultation.slug}/comments").json()
    assert [(c["author"], c["hidden"], c["text"], c["response"] and c["response"]["text"])
            for c in comments["items"]] == [
        ("Lucía", False, "Publish monthly.", REASON), ("Troll", True, None, None), ("Pedro", False, "Add a deadline.",
                                                                                   None)]
    assert "Something rude" not in api.get(f"{API}/consultations/{consultation.slug}/comments").content.decode()
    assert [c["text"] for c in api.get(f"{API}/consultations/{consultation.slug}/comments?section=2").json()[
        "items"]] == [None, "Add a deadline."]
    # The page's twin shows the same records.
    twin = Client().get(consultation.get_absolute_url(), {"format": "json"}).json()
    assert same_record(twin["sections"][0]["comments"]) == comments["items"][:1]
    assert same_record({k: v for k, v in twin.items() if k != "sections"}) == {
        k: v for k, v in detail.items() if k != "sections"}


def test_forum_meetings_and_the_scorecard(api, plan, admin, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    member = forum_member_add(by=admin, name="Carlos Sociedad", institution=Institution.objects.get(acronym="FUNDAL"),
                              since=dt.date(2021, 1, 1))
    meeting = meeting_record(by=admin, plan=plan, date=dt.date(2022, 3, 10), kind="implementation",
                             agenda="Follow-up", place="MINEDUC", attendees=[member],
                             decisions=[("Publish data", "FUNDAL")])
    document = meeting_document_add(by=admin, meeting=meeting, title="Minutes",
                                    upload=SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n%\n"))
    meetings = api.get(f"{API}/forum/meetings").json()
    item = meetings["items"][0]
    assert meetings["count"] == 1 and item["attendees"] == [
        {"name": "Carlos Sociedad", "institution": "FUNDAL", "alternate": False}]
    assert item["documents"] == [{"title": "Minutes", "url": document.public_url, "file_name": "acta.pdf",
                                  "content_type": "application/pdf", "size": 11, "sha256": document.sha256}]
    assert item["decisions"] == [{"text": "Publish data", "owner": "FUNDAL"}]
    assert (item["attendee_count"], item["civil_society_attendees"], item["minutes"]) == (1, 1, None)
    assert same_record(Client().get(f"/participate/forum/meetings/{meeting.pk}/", {"format": "json"}).json()) == item
    members = api.get(f"{API}/forum/members").json()["items"]
    assert members == [{"id": member.pk, "name": "Carlos Sociedad", "institution": "FUNDAL", "alternate_of": None,
                        "since": "2021-01-01", "until": None, "meetings_attended": 1}]
    card = api.get(f"{API}/plans/{plan.slug}/scorecard").json()
    assert {c["code"] for c in card["checks"]} >= {"reasoned_responses"} and card["plan"] == plan.slug


def test_every_answer_and_every_twin_matches_the_openapi_schema(api, plan, admin, participant, make_proposal,
                                                                   settings, tmp_path):
    """The OpenAPI document describes what the API answers (nulls included), and the pages' twins answer the
    same records."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    settings.MEDIA_ROOT = str(tmp_path)
    answered = make_proposal(participant("Lucía"), title="Open school budgets", theme=plan.themes.first())
    proposal_respond(by=admin, proposal=answered, status=ProposalStatus.INCORPORATED, response=REASON,
                     commitment=plan.commitments.get(number=4))
    hidden = make_proposal(participant("Troll"), title="Something hidden", department="")
    Proposal.objects.filter(pk=hidden.pk).update(hidden=True, author=None)
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="Draft", purpose="Comment on it.",
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5),
                                       document="## One\nFirst.")
    comment = consultation_comment(by=participant("Pedro"), section=consultation.sections.get(), text="Monthly.")
    type(consultation).objects.filter(pk=consultation.pk).update(closes_at=now - timedelta(minutes=1))
    consultation.refresh_from_db()
    consultation_respond(by=admin, consultation=consultation, comments=[comment], text=REASON)
    member = forum_member_add(by=admin, name="Carlos", institution=Institution.objects.get(acronym="FUNDAL"),
                              since=dt.date(2021, 1, 1))
    meeting = meeting_record(by=admin, plan=plan, date=dt.date(2022, 3, 10), kind="other", agenda="A",
                             link="https://meet.example/x", attendees=[member])
    meeting_document_add(by=admin, meeting=meeting, title="Minutes",
                         upload=SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n%\n"))

    openapi = api.get("/api/v1/openapi.json").json()
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(
        openapi, default_specification=DRAFT202012))

    def check(data, ref):
        errors = list(Draft202012Validator({"$ref": f"urn:openapi{ref}"}, registry=registry).iter_errors(data))
        assert not errors, (ref, [e.message for e in errors])

    calls = {"/plans/{slug}/proposals": f"/plans/{plan.slug}/proposals", "/proposals/{pk}": f"/proposals/{hidden.pk}",
             "/plans/{slug}/inputs": f"/plans/{plan.slug}/inputs", "/consultations": "/consultations",
             "/consultations/{slug}": f"/consultations/{consultation.slug}",
             "/consultations/{slug}/comments": f"/consultations/{consultation.slug}/comments",
             "/forum/members": "/forum/members", "/forum/meetings": "/forum/meetings",
             "/plans/{slug}/scorecard": f"/plans/{plan.slug}/scorecard"}
    assert set(calls) == {path[len(API):] for path in openapi["paths"] if path.startswith(API)}
    for path, url in calls.items():
        response = api.get(API + url)
        assert response.status_code == 200, url
        check(response.json(), openapi["paths"][API + path]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]["$ref"])
    check(api.get(f"{API}/proposals/{answered.pk}").json(), "#/components/schemas/ProposalDetailOut")

    twin = Client().get
    schemas = "#/components/schemas/"
    check(twin(answered.get_absolute_url(), {"format": "json"}).json(), schemas + "ProposalDetailOut")
    for item in twin(f"/participate/plans/{plan.slug}/proposals/", {"format": "json"}).json()["proposals"]:
        check(item, schemas + "ProposalOut")
    check(twin(f"/participate/plans/{plan.slug}/inputs/", {"format": "json"}).json(), schemas + "InputsDashboardOut")
    check(twin(consultation.get_absolute_url(), {"format": "json"}).json(), schemas + "ConsultationDetailOut")
    report = twin(f"{consultation.get_absolute_url()}report/", {"format": "json"}).json()
    check(report, schemas + "ConsultationOut")
    for item in report["comments"]:
        check(item, schemas + "CommentOut")
    forum = twin("/participate/forum/", {"format": "json"}).json()
    for item in forum["members"]:
        check(item, schemas + "ForumMemberOut")
    for item in forum["meetings"]:
        check(item, schemas + "MeetingOut")
    check(twin(meeting.get_absolute_url(), {"format": "json"}).json(), schemas + "MeetingOut")
    check(twin(f"/participate/plans/{plan.slug}/scorecard/", {"format": "json"}).json(), schemas + "ScorecardOut")
