"""Consultations: a document in sections, comments while open, responses and a summary report once closed."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apertura.participation.models import Consultation, ConsultationComment
from apertura.participation.services import (
    consultation_comment, consultation_create, consultation_publish_summary, consultation_respond, split_sections,
)

from .xss import PAYLOADS, live_markup

pytestmark = pytest.mark.django_db
DOCUMENT = "Why we consult.\n\n## Access to information\nPublish budgets.\n\n## Participation\nHold forums."
ANSWER = "Budgets will be published monthly, as milestone 4.2 now says."


@pytest.fixture
def consultation(plan, admin):
    now = timezone.now()
    return consultation_create(by=admin, plan=plan, title="Draft of the 6th plan", purpose="Comment on the draft.",
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10),
                               document=DOCUMENT)


def _close(consultation):
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - timedelta(days=20), closes_at=timezone.now() - timedelta(minutes=1))
    consultation.refresh_from_db()
    return consultation


def test_the_document_is_split_at_its_level_two_headings():
    assert split_sections(DOCUMENT, first_title="Introduction") == [
        ("Introduction", "Why we consult."), ("Access to information", "Publish budgets."),
        ("Participation", "Hold forums.")]
    assert split_sections("## Only\ntext", first_title="Intro") == [("Only", "text")]


def test_an_administrator_creates_a_consultation_through_the_page(as_admin, plan):
    response = as_admin.post(reverse("participation:consultation_new"), {
        "title": "Consulta", "purpose": "Purpose of it", "plan": plan.pk, "opens_at": "2030-01-01T09:00",
        "closes_at": "2030-02-01T09:00", "document": DOCUMENT})
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == consultation.get_absolute_url()
    assert [s.title for s in consultation.sections.all()] == ["Introduction", "Access to information",
                                                              "Participation"]
    bad = as_admin.post(reverse("participation:consultation_new"), {
        "title": "Backwards", "purpose": "Keeps this", "opens_at": "2030-02-01T09:00",
        "closes_at": "2030-01-01T09:00", "document": DOCUMENT})
    assert bad.status_code == 400 and "Keeps this" in bad.content.decode()


def test_participants_comment_on_a_section_while_it_is_open(consultation, participant, as_user):
    client = as_user(participant("Lucía"))
    url = reverse("participation:consultation_comment", args=[consultation.slug, 2])
    response = client.post(url, {"s2-text": "Publish them **monthly**.", "s2-website": ""})
    assert response.status_code == 302
    comment = ConsultationComment.objects.get()
    assert comment.section.title == "Access to information"
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "<strong>monthly</strong>" in page and "Lucía" in page
    duplicate = client.post(url, {"s2-text": "Publish them **monthly**.", "s2-website": ""})
    assert duplicate.status_code == 400 and "Publish them **monthly**." in duplicate.content.decode()


def test_no_comments_once_closed_or_from_anonymous_people(consultation, participant, as_user):
    url = reverse("participation:consultation_comment", args=[consultation.slug, 1])
    assert Client().post(url, {"s1-text": "Hello there"}).status_code == 302  # sign in first
    _close(consultation)
    user = participant()
    assert as_user(user).post(url, {"s1-text": "Too late now"}).status_code == 403
    section = consultation.sections.get(order=1)
    with pytest.raises(PermissionDenied):
        consultation_comment(by=user, section=section, text="Too late now")
    assert not ConsultationComment.objects.exists()


def test_responses_and_summary_come_after_closing_and_stay_readable(consultation, participant, admin, as_admin):
    user = participant("Lucía")
    section = consultation.sections.get(order=2)
    first = consultation_comment(by=user, section=section, text="Publish monthly.")
    second = consultation_comment(by=participant("Pedro"), section=section, text="Publish every month, please.")
    with pytest.raises(ValidationError):
        consultation_respond(by=admin, consultation=consultation, comments=[first], text=ANSWER)
    consultation = _close(consultation)
    with pytest.raises(ValidationError):
        consultation_respond(by=admin, consultation=consultation, comments=[first], text="Ok")
    with pytest.raises(PermissionDenied):
        consultation_respond(by=user, consultation=consultation, comments=[first], text=ANSWER)
    response = as_admin.post(reverse("participation:consultation_respond", args=[consultation.slug]),
                             {"comments": [first.pk, second.pk], "text": ANSWER})
    assert response.status_code == 302
    assert set(ConsultationComment.objects.values_list("response__text", flat=True)) == {ANSWER}

    report_url = reverse("participation:consultation_report", args=[consultation.slug])
    assert as_admin.post(report_url, {"summary": "Two comments asked for monthly budgets; adopted."}).status_code == 302
    with pytest.raises(PermissionDenied):
        consultation_publish_summary(by=user, consultation=consultation, summary="x" * 30)

    public = Client(headers={"accept-language": "en"})
    page = public.get(report_url).content.decode()
    assert "adopted" in page and ANSWER in page and "Pedro" in page
    assert ANSWER in public.get(consultation.get_absolute_url()).content.decode()
    rows = list(csv.reader(io.StringIO(public.get(report_url, {"format": "csv"}).getvalue().decode())))
    assert rows[0] == ["id", "section", "section_title", "author", "hidden", "text", "submitted", "response.id",
                       "response.text", "url"]
    assert len(rows) == 3 and rows[1][8] == ANSWER and rows[1][9] == first.get_absolute_url()
    data = json.loads(public.get(report_url, {"format": "json"}).content)
    assert data["phase"] == "closed" and data["summary"].startswith("Two comments")
    detail = json.loads(public.get(consultation.get_absolute_url(), {"format": "json"}).content)
    assert [len(s["comments"]) for s in detail["sections"]] == [0, 2, 0]
    listing = json.loads(public.get(reverse("participation:consultations"), {"format": "json"}).content)
    assert listing["consultations"][0]["phase"] == "closed"


def test_comments_render_xss_inert(consultation, participant):
    section = consultation.sections.get(order=1)
    consultation_comment(by=participant(), section=section, text="\n\n".join(PAYLOADS))
    client = Client()
    for url in (consultation.get_absolute_url(),
                reverse("participation:consultation_report", args=[consultation.slug])):
        response = client.get(url)
        assert response.status_code == 200 and live_markup(response.content.decode()) == [], url


@pytest.fixture
def crowded(consultation, participant, settings, monkeypatch):
    """Five comments on section 2 and one on section 3, shown two a page."""
    from apertura.participation.selectors import consultations

    settings.APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT = settings.APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS = 1000
    monkeypatch.setattr(consultations, "COMMENTS_PER_PAGE", 2)
    user = participant("Lucía")
    second, third = consultation.sections.get(order=2), consultation.sections.get(order=3)
    comments = [consultation_comment(by=user, section=second, text=f"Remark number {n}") for n in range(1, 6)]
    consultation_comment(by=user, section=third, text="On participation")
    return comments


def test_each_section_shows_its_count_and_one_page_of_comments(consultation, crowded):
    client = Client(headers={"accept-language": "en"})
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "5 comments" in page and "1 comment" in page and "0 comments" in page
    assert "Remark number 2" in page and "Remark number 3" not in page and "On participation" in page
    assert f"{consultation.get_absolute_url()}?section=2&amp;page=2#section-2" in page  # a plain link, no JS
    last = client.get(consultation.get_absolute_url(), {"section": 2, "page": 3}).content.decode()
    assert "Remark number 5" in last and "Remark number 4" not in last and "Page 3 of 3" in last
    assert "On participation" in last  # the other sections stay on their first page
    beyond = client.get(consultation.get_absolute_url(), {"section": 2, "page": 99}).content.decode()
    assert "Remark number 5" in beyond
    detail = json.loads(client.get(consultation.get_absolute_url(), {"format": "json", "section": 2,
                                                                     "page": 2}).content)
    second = detail["sections"][1]
    assert second["comment_count"] == 5 and second["pages"] == 3
    assert [c["text"] for c in second["comments"]] == ["Remark number 3", "Remark number 4"]


def test_htmx_swaps_only_the_sections_comments(consultation, crowded):
    response = Client().get(consultation.get_absolute_url(), {"section": 2, "page": 2},
                            headers={"hx-request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="comments-2"') and "<html" not in html
    assert "Remark number 3" in html and "Remark number 1" not in html
    assert "HX-Request" in response["Vary"]  # so no cache hands the fragment to a plain request


def test_a_comment_link_lands_on_the_page_that_holds_it(consultation, crowded, participant, as_user):
    fifth = crowded[4]
    client = Client()
    response = client.get(fifth.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{consultation.get_absolute_url()}?section=2&page=3#comment-{fifth.pk}"
    assert f'id="comment-{fifth.pk}"' in client.get(response["Location"]).content.decode()
    other = Consultation.objects.create(slug="other", title="Other", purpose="x", opens_at=consultation.opens_at,
                                        closes_at=consultation.closes_at)
    assert client.get(f"/participate/consultations/{other.slug}/comments/{fifth.pk}/").status_code == 404
    # After sending a comment, its author lands on it.
    sent = as_user(participant("Pedro")).post(
        reverse("participation:consultation_comment", args=[consultation.slug, 2]),
        {"s2-text": "A sixth remark", "s2-website": ""})
    newest = ConsultationComment.objects.latest("id")
    assert sent["Location"] == newest.get_absolute_url()


def test_the_report_pages_its_comments_and_streams_the_complete_csv(consultation, crowded, participant,
                                                                       monkeypatch):
    from apertura.participation.selectors import consultations

    monkeypatch.setattr(consultations, "REPORT_COMMENTS_PER_PAGE", 4)
    consultation_comment(by=participant("Eve"), section=consultation.sections.get(order=1),
                         text="=HYPERLINK(\"http://evil\")")
    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:consultation_report", args=[consultation.slug])
    first = client.get(url).content.decode()
    assert "<strong>7</strong> comments received" in first and "Page 1 of 2" in first
    assert "Remark number 4" not in first and "?page=2#all-comments" in first
    assert "Remark number 4" in client.get(url, {"page": 2}).content.decode()
    data = json.loads(client.get(url, {"format": "json", "page": 2}).content)
    assert data["comment_count"] == 7 and data["pages"] == 2 and len(data["comments"]) == 3
    response = client.get(url, {"format": "csv"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 8 and rows[1][5] == "'=HYPERLINK(\"http://evil\")"


def test_the_report_csv_says_what_the_json_says(consultation, crowded, participant, admin):
    from apertura.common.records import csv_row
    from apertura.participation.schemas import COMMENT_COLUMNS

    hidden = crowded[1]
    ConsultationComment.objects.filter(pk=hidden.pk).update(hidden=True, author=None)
    consultation = _close(consultation)
    consultation_respond(by=admin, consultation=consultation, comments=[crowded[0]], text=ANSWER)
    client = Client(headers={"accept-language": "en"})
    url = reverse("participation:consultation_report", args=[consultation.slug])
    rows = list(csv.reader(io.StringIO(client.get(url, {"format": "csv"}).getvalue().decode())))
    records = json.loads(client.get(url, {"format": "json"}).content)["comments"]
    assert rows[0] == COMMENT_COLUMNS and len(rows) - 1 == len(records) == 6
    for row, record in zip(rows[1:], records, strict=True):
        for column, value, want in zip(COMMENT_COLUMNS, row, csv_row(record, COMMENT_COLUMNS), strict=True):
            assert value == str(want), column
    answered, gone = rows[1], rows[2]
    assert answered[8] == ANSWER and gone[3:6] == ["Former participant", "True", ""]
