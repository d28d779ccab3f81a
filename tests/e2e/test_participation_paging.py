"""A consultation with many comments, in a real browser: each section pages its comments with plain links, and
with JavaScript htmx swaps only that section's list (the address follows, so the page can be shared). The
forum's new administration pages pass axe-core too."""

import datetime as dt
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.test_participation import administrator, participant, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_paging_comments_and_the_forum_administration(new_page, axe):
    from django.utils import timezone

    from apertura.institutions.models import Institution
    from apertura.participation.models import ConsultationComment
    from apertura.participation.services import consultation_create, forum_member_add, meeting_record

    device = administrator()
    now = timezone.now()
    consultation = consultation_create(
        by=device.user, title="Draft", purpose="Tell us.", opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7), document="Intro.\n\n## Access\nPublish.\n\n## Participation\nForums.")
    user = participant("lucia", "Lucía")
    section = consultation.sections.get(order=2)
    ConsultationComment.objects.bulk_create([ConsultationComment(section=section, author=user, text=f"Remark {n}",
                                                                 fingerprint=str(n)) for n in range(25)])
    page = new_page("en")
    page.goto(consultation.get_absolute_url())
    assert axe(page) == [], "axe on a consultation whose comments are paged"
    page.locator("#comments-2").get_by_role("link", name="More comments").click()
    expect(page.locator("#comments-2")).to_contain_text("Remark 10")
    expect(page.locator("#comments-2 .comment")).to_have_count(10)
    assert "section=2&page=2" in page.url
    # The clicked link went away with the old list: the focus lands on the new list's heading, not the page's top.
    expect(page.locator("#comments-2 h3")).to_be_focused()
    assert page.evaluate("document.getElementById('comments-2').contains(document.activeElement)")
    expect(page.locator("#comments-2 h3")).to_contain_text("Page 2 of 3")
    assert axe(page) == [], "axe after htmx swapped the comments"
    page.keyboard.press("Tab")  # and the keyboard goes on from there, into that page's comments
    assert page.evaluate("document.getElementById('comments-2').contains(document.activeElement)")
    page.locator("#comments-2").get_by_role("link", name="Previous comments").press("Enter")
    expect(page.locator("#comments-2 h3")).to_be_focused()
    expect(page.locator("#comments-2")).to_contain_text("Remark 0")

    without_js = new_page("en", js=False)
    without_js.goto(consultation.get_absolute_url())
    without_js.locator("#comments-2").get_by_role("link", name="Latest comments").click()
    expect(without_js.locator("#comments-2")).to_contain_text("Remark 24")

    member = forum_member_add(by=device.user, name="Carlos", institution=Institution.objects.get(acronym="FUNDAL"),
                              since=dt.date(2021, 1, 1))
    meeting = meeting_record(by=device.user, date=dt.date(2022, 1, 1), kind="other", agenda="Agenda",
                             place="MINEDUC", documents=[("Slides", "https://example.org/slides")])
    admin = new_page("en")
    sign_in(admin, "admin", meeting.get_absolute_url(), device)
    assert axe(admin) == [], "axe on a meeting with its document forms"
    for url in (f"/participate/forum/members/{member.pk}/edit/", "/participate/forum/",
                f"{consultation.get_absolute_url()}report/"):
        admin.goto(url)
        assert axe(admin) == [], f"axe on {url}"
