"""Pages stay at a fixed number of queries however many contributions they show (no N+1)."""

import datetime as dt
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apertura.institutions.models import Institution
from apertura.participation.services import (
    consultation_comment, consultation_create, content_report, forum_member_add, meeting_record, plan_comment_add,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limits(settings):
    settings.PARTICIPATION_LIMIT_PER_ACCOUNT = settings.PARTICIPATION_LIMIT_PER_ADDRESS = 1000


def test_consultation_and_comment_pages(plan, participant, admin, django_assert_max_num_queries):
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="C", purpose="P", document="## A\nx\n## B\ny",
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    commitment = plan.commitments.get(number=4)
    for n in range(6):
        user = participant(f"P{n}")
        for section in consultation.sections.all():
            consultation_comment(by=user, section=section, text=f"Comment {n}")
        parent = plan_comment_add(by=user, commitment=commitment, text=f"Top {n}")
        plan_comment_add(by=participant(f"R{n}"), commitment=commitment, parent=parent, text=f"Reply {n}")
    client = Client()
    for url in (consultation.get_absolute_url(), reverse("participation:consultation_report", args=[consultation.slug]),
                reverse("participation:commitment_comments", args=[plan.slug, 4])):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_forum_and_moderation_pages(plan, admin, participant, make_proposal, as_admin, django_assert_max_num_queries):
    members = [forum_member_add(by=admin, name=f"M{n}", institution=Institution.objects.get(acronym="FUNDAL"),
                                since=dt.date(2021, 1, 1)) for n in range(5)]
    for n in range(6):
        meeting_record(by=admin, date=dt.date(2022, 1 + n, 1), kind="implementation", agenda="A", place="Here",
                       attendees=members, decisions=[("Do it", "M1")])
        content_report(by=None, target=make_proposal(participant(f"A{n}"), title=f"Title {n}"), reason="Spam",
                       address=f"10.0.0.{n}")
    client = Client()
    for url in (reverse("participation:forum"), reverse("participation:scorecard", args=[plan.slug])):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(25):
        assert as_admin.get(reverse("participation:moderation")).status_code == 200
