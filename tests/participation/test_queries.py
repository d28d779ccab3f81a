"""Pages stay at a fixed number of queries however many contributions they show (no N+1): the same exact
count with N contributions and with 2N."""

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
    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 1000


def test_consultation_and_comment_pages(plan, participant, admin, django_assert_num_queries):
    now = timezone.now()
    consultation = consultation_create(by=admin, plan=plan, title="C", purpose="P", document="## A\nx\n## B\ny",
                                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    commitment = plan.commitments.get(number=4)
    pages = {consultation.get_absolute_url(): 4,
             reverse("participation:consultation_report", args=[consultation.slug]): 3,
             reverse("participation:commitment_comments", args=[plan.slug, 4]): 9}

    def contribute(numbers):
        for n in numbers:
            user = participant(f"P{n}")
            for section in consultation.sections.all():
                consultation_comment(by=user, section=section, text=f"Comment {n}")
            parent = plan_comment_add(by=user, commitment=commitment, text=f"Top {n}")
            plan_comment_add(by=participant(f"R{n}"), commitment=commitment, parent=parent, text=f"Reply {n}")

    client = Client()
    for numbers in (range(3), range(3, 6)):  # 3 people commenting, then 6: the same queries
        contribute(numbers)
        for url, expected in pages.items():
            with django_assert_num_queries(expected):
                response = client.get(url)
                response.getvalue()
            assert response.status_code == 200, url


def test_forum_and_moderation_pages(plan, admin, participant, make_proposal, as_admin, django_assert_num_queries):
    fundal = Institution.objects.get(acronym="FUNDAL")
    members = [forum_member_add(by=admin, name=f"M{n}", institution=fundal, since=dt.date(2021, 1, 1))
               for n in range(5)]
    public = {reverse("participation:forum"): 5, reverse("participation:scorecard", args=[plan.slug]): 9}
    moderation = 9

    def happen(numbers):
        for n in numbers:
            meeting_record(by=admin, date=dt.date(2022, 1 + n, 1), kind="implementation", agenda="A", place="Here",
                           attendees=members, decisions=[("Do it", "M1")])
            content_report(by=None, target=make_proposal(participant(f"A{n}"), title=f"Title {n}"), reason="Spam",
                           address=f"10.0.0.{n}")

    client = Client()
    as_admin.get(reverse("participation:moderation"))  # the first look also reads the content types (then cached)
    for numbers in (range(3), range(3, 6)):  # 3 meetings and reported proposals, then 6: the same queries
        happen(numbers)
        for url, expected in public.items():
            with django_assert_num_queries(expected):
                response = client.get(url)
                response.getvalue()
            assert response.status_code == 200, url
        with django_assert_num_queries(moderation):
            response = as_admin.get(reverse("participation:moderation"))
        assert response.status_code == 200
