"""The multi-stakeholder forum and the OGP minimum-requirements scorecard computed from its records."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from apertura.institutions.models import Institution
from apertura.participation.models import Meeting
from apertura.participation.scorecard import plan_scorecard
from apertura.participation.services import forum_member_add, meeting_record

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def members(plan, admin):
    government = forum_member_add(by=admin, name="Ana Gobierno", institution=Institution.objects.get(acronym="MINEDUC"),
                                  since=D(2021, 1, 1))
    society = forum_member_add(by=admin, name="Carlos Sociedad",
                               institution=Institution.objects.get(acronym="FUNDAL"), since=D(2021, 1, 1))
    alternate = forum_member_add(by=admin, name="Berta Suplente",
                                 institution=Institution.objects.get(acronym="FUNDAL"), since=D(2021, 1, 1),
                                 alternate_of=society)
    return government, society, alternate


def _meet(admin, day, kind="implementation", attendees=()):
    return meeting_record(by=admin, date=day, kind=kind, agenda="Follow-up of commitments", place="MINEDUC",
                          attendees=attendees)


def _check(card, code):
    return next(c for c in card["checks"] if c["code"] == code)


def test_an_alternate_represents_the_same_institution(members, admin):
    government, society, _alternate = members
    with pytest.raises(ValidationError):
        forum_member_add(by=admin, name="Wrong", institution=government.institution, since=D(2021, 1, 1),
                         alternate_of=society)


def test_recording_a_meeting_through_the_page(members, as_admin, plan):
    government, society, alternate = members
    response = as_admin.post(reverse("participation:meeting_new"), {
        "plan": plan.pk, "date": "2022-03-10", "kind": "implementation", "place": "", "link": "https://meet.example/x",
        "agenda": "1. Progress\n2. Next steps", "minutes": "We agreed **two** things.",
        "attendees": [government.pk, alternate.pk],
        "decisions": "Publish the budget data | MINEDUC\nReview milestone 4.3",
        "documents": "Minutes (PDF) | https://example.org/minutes.pdf"})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert [(d.text, d.owner) for d in meeting.decisions.all()] == [
        ("Publish the budget data", "MINEDUC"), ("Review milestone 4.3", "")]
    public = Client(headers={"accept-language": "en"})
    page = public.get(meeting.get_absolute_url()).content.decode()
    assert "Berta Suplente" in page and "<strong>two</strong>" in page and "https://example.org/minutes.pdf" in page
    data = json.loads(public.get(meeting.get_absolute_url(), {"format": "json"}).content)
    assert data["documents"][0]["url"] == "https://example.org/minutes.pdf"
    forum = json.loads(public.get(reverse("participation:forum"), {"format": "json"}).content)
    assert {m["name"] for m in forum["members"]} == {"Ana Gobierno", "Carlos Sociedad", "Berta Suplente"}
    rows = list(csv.reader(io.StringIO(public.get(reverse("participation:forum"), {"format": "csv"}).content.decode())))
    assert rows[1][6:8] == ["2", "1"]  # two attendees, one of them from civil society
    bad = as_admin.post(reverse("participation:meeting_new"), {
        "date": "2022-03-10", "kind": "other", "agenda": "Kept agenda", "documents": "no link here"})
    assert bad.status_code == 400 and "Kept agenda" in bad.content.decode()


def test_only_administrators_keep_the_forum_records(participant, make_user, members):
    for user in (participant(), make_user("editor", "MINEDUC"), make_user("monitor", "CoST-GT")):
        with pytest.raises(PermissionDenied):
            _meet(user, D(2022, 1, 1))


def test_the_scorecard_when_every_requirement_is_met(plan, members, admin):
    government, society, _alternate = members
    start, end = plan.period_start, plan.period_end
    day = start
    while day <= end:  # an implementation meeting with civil society every four months
        _meet(admin, day, attendees=[government, society])
        day = (dt.datetime(day.year, day.month, 1) + dt.timedelta(days=122)).date().replace(day=1)
    card = plan_scorecard(plan=plan, today=D(2024, 1, 1))
    assert _check(card, "forum_every_six_months")["met"] is True
    assert _check(card, "implementation_meetings")["met"] is True
    assert _check(card, "forum_every_six_months")["evidence"][0]["date"] == start


def test_the_scorecard_names_the_gap_and_the_short_years(plan, members, admin):
    government, society, _alternate = members
    _meet(admin, D(2021, 2, 1), attendees=[government, society])
    _meet(admin, D(2021, 6, 1), attendees=[government])  # no civil society: does not count
    _meet(admin, D(2022, 6, 1), kind="other", attendees=[government, society])
    card = plan_scorecard(plan=plan, today=D(2024, 1, 1))
    gap = _check(card, "forum_every_six_months")
    assert gap["met"] is False and "2021-06-01" in gap["detail"] and "2022-06-01" in gap["detail"]
    implementation = _check(card, "implementation_meetings")
    assert implementation["met"] is False and "2021: 1/2" in implementation["detail"]
    assert _check(card, "repository_updates")["met"] is False
    assert _check(card, "reasoned_responses")["met"] is None


def test_the_share_of_inputs_with_a_reasoned_response(plan, participant, make_proposal, admin):
    from apertura.participation.services import proposal_respond

    user = participant()
    first = make_proposal(user, title="First")
    make_proposal(user, title="Second")
    proposal_respond(by=admin, proposal=first, status="not_adopted", response="Outside the plan's period and scope.")
    with translation.override("en"):
        check = _check(plan_scorecard(plan=plan, today=D(2024, 1, 1)), "reasoned_responses")
    assert check["met"] is False and "1 of 2" in check["detail"] and "(50%)" in check["detail"]


def test_the_running_year_is_not_judged_before_it_ends(plan, members, admin):
    government, society, _alternate = members
    _meet(admin, D(2021, 1, 15), attendees=[government, society])
    card = plan_scorecard(plan=plan, today=D(2021, 3, 1))
    assert _check(card, "implementation_meetings")["met"] is True
    assert _check(card, "forum_every_six_months")["met"] is True


def test_the_scorecard_page_and_twins(plan):
    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:scorecard", args=[plan.slug])
    page = client.get(url).content.decode()
    assert "The forum met at least every six months" in page and "Not met" in page
    data = json.loads(client.get(url, {"format": "json"}).content)
    assert [c["code"] for c in data["checks"]] == ["forum_every_six_months", "implementation_meetings",
                                                   "repository_updates", "reasoned_responses"]
    rows = list(csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode())))
    assert rows[0] == ["code", "title", "met", "detail", "evidence.date", "evidence.url"] and len(rows) == 5


def test_minutes_are_added_after_the_meeting(members, as_admin, admin):
    government, society, _alternate = members
    meeting = _meet(admin, D(2022, 5, 5), attendees=[government])
    url = reverse("participation:meeting_edit", args=[meeting.pk])
    form = as_admin.get(url).content.decode()
    assert "Follow-up of commitments" in form
    response = as_admin.post(url, {"date": "2022-05-05", "kind": "implementation", "place": "MINEDUC",
                                   "agenda": "Follow-up of commitments", "minutes": "Both sides reported.",
                                   "attendees": [government.pk, society.pk], "decisions": "Publish data | FUNDAL"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "Both sides reported." and meeting.attendees.count() == 2
    assert [(d.text, d.owner) for d in meeting.decisions.all()] == [("Publish data", "FUNDAL")]
    assert Meeting.objects.count() == 1


def test_an_administrator_edits_and_ends_a_membership(members, as_admin, admin):
    from apertura.audit.models import AuditEvent

    government, society, alternate = members
    url = reverse("participation:forum_member_edit", args=[society.pk])
    assert "Carlos Sociedad" in as_admin.get(url).content.decode()
    seat = {"name": "Carlos Sociedad Civil", "institution": society.institution_id, "since": "2021-01-01",
            "until": "2023-06-30", "alternate_of": ""}
    response = as_admin.post(url, seat)
    assert response.status_code == 302
    society.refresh_from_db()
    alternate.refresh_from_db()
    assert society.name == "Carlos Sociedad Civil" and society.until == D(2023, 6, 30)
    assert alternate.until == D(2023, 6, 30)  # the alternate's seat ends with the member's
    event = AuditEvent.objects.filter(action="forum.member_update").get()
    assert event.data["before"]["name"] == "Carlos Sociedad" and event.data["alternates_ended"] == [alternate.pk]
    page = Client(headers={"accept-language": "en"}).get(reverse("participation:forum")).content.decode()
    assert "Carlos Sociedad Civil" in page and "Edit or end" not in page  # the public sees no edit links
    backwards = as_admin.post(url, {**seat, "until": "2020-01-01"})
    assert backwards.status_code == 400 and "ends after it starts" in backwards.content.decode()
    chain = as_admin.post(reverse("participation:forum_member_edit", args=[government.pk]), {
        "name": "Ana Gobierno", "institution": government.institution_id, "since": "2021-01-01",
        "alternate_of": society.pk})
    assert chain.status_code == 400 and "same institution" in chain.content.decode()
    principal_as_alternate = as_admin.post(url, {**seat, "alternate_of": alternate.pk})
    assert principal_as_alternate.status_code == 400  # an alternate is never a principal's principal
    moved = as_admin.post(url, {**seat, "institution": government.institution_id})
    assert moved.status_code == 400 and "alternates represent another institution" in moved.content.decode()


def test_only_administrators_edit_seats(members, participant, as_user):
    _government, society, _alternate = members
    url = reverse("participation:forum_member_edit", args=[society.pk])
    assert as_user(participant()).get(url).status_code == 403


PDF = b"%PDF-1.4\n% minutes of the forum\n"


def test_meeting_documents_are_uploaded_checked_and_served_safely(members, as_admin, admin, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    meeting = _meet(admin, D(2022, 5, 5))
    add = reverse("participation:meeting_document_add", args=[meeting.pk])
    response = as_admin.post(add, {"title": "Signed minutes",
                                   "file": SimpleUploadedFile("acta.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302
    disguised = as_admin.post(add, {"title": "Not a PDF", "file": SimpleUploadedFile(
        "acta.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")})
    assert disguised.status_code == 400 and "Not a PDF" in disguised.content.decode()
    assert as_admin.post(add, {"title": "Slides", "url": "https://example.org/slides"}).status_code == 302
    document = meeting.documents.get(title="Signed minutes")
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    public = Client(headers={"accept-language": "en"})
    page = public.get(meeting.get_absolute_url()).content.decode()
    assert "Signed minutes" in page and "acta.pdf" in page and "https://example.org/slides" in page
    assert "Add a document" not in page
    download = public.get(document.public_url)
    assert download.getvalue() == PDF and download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    data = json.loads(public.get(meeting.get_absolute_url(), {"format": "json"}).content)
    assert {d["title"]: d["url"] for d in data["documents"]} == {
        "Signed minutes": document.public_url, "Slides": "https://example.org/slides"}
    # Updating the meeting record replaces its linked documents, never its uploaded files.
    meeting_record(by=admin, meeting=meeting, date=meeting.date, kind=meeting.kind, agenda=meeting.agenda,
                   place=meeting.place, documents=[("Agenda", "https://example.org/agenda")])
    assert sorted(meeting.documents.values_list("title", flat=True)) == ["Agenda", "Signed minutes"]
    remove = reverse("participation:meeting_document_remove", args=[document.pk])
    assert as_admin.post(remove, {"reason": "Uploaded to the wrong meeting"}).status_code == 302
    assert not meeting.documents.filter(pk=document.pk).exists()
    assert public.get(document.public_url).status_code == 404


def test_participants_cannot_add_documents(members, admin, participant, as_user):
    meeting = _meet(admin, D(2022, 5, 5))
    response = as_user(participant()).post(reverse("participation:meeting_document_add", args=[meeting.pk]),
                                           {"title": "x", "url": "https://example.org/x"})
    assert response.status_code == 403 and not meeting.documents.exists()
