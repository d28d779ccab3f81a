"""The multi-stakeholder forum and the OGP minimum-requirements scorecard computed from its records."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

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
    assert rows[0] == ["code", "title", "met", "detail", "evidence"] and len(rows) == 5


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
