"""Progress on the milestone page, as an editor, a monitor and the public use it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from apertura.audit.models import AuditEvent
from apertura.institutions.models import Institution
from apertura.plans.models import ProgressReport

pytestmark = pytest.mark.django_db
URL = "/plans/2021-2023/milestones/4.3/"


@pytest.fixture
def editor(fifth_plan, make_user):
    return make_user("editor", "MINEDUC")


def report_form(**values):
    return {"action": "report", "institution": Institution.objects.get(acronym="MINEDUC").pk,
            "status": "in_progress", "percent": "35", "as_of": timezone.localdate().isoformat(),
            "narrative": "Collected data from the **22 departments**.", "based_on": ""} | values


def test_the_public_sees_no_forms_and_no_reports_yet(fifth_plan):
    page = Client(headers={"accept-language": "en"}).get(URL).content.decode()
    assert "No progress has been reported on this milestone yet." in page
    assert "Report progress" not in page


def test_an_editor_reports_progress_with_a_file_and_the_public_sees_it(editor, signed_in):
    client = signed_in(editor, headers={"accept-language": "en"})
    assert "Report progress" in client.get(URL).content.decode()
    upload = SimpleUploadedFile("acta.pdf", b"%PDF-1.7\n1 0 obj\n", content_type="application/pdf")
    response = client.post(URL, report_form(evidence_file=upload, evidence_title="Signed minutes"))
    assert response.status_code == 302
    page = Client(headers={"accept-language": "en"}).get(URL).content.decode()
    assert "<strong>22 departments</strong>" in page and "35%" in page and "Signed minutes" in page
    evidence = ProgressReport.objects.get().evidence.get()
    download = Client().get(f"/evidence/{evidence.pk}/")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_bad_file_keeps_what_the_editor_typed_and_saves_nothing(editor, signed_in):
    client = signed_in(editor, headers={"accept-language": "en"})
    upload = SimpleUploadedFile("x.pdf", b"<!doctype html><script>1</script>", content_type="application/pdf")
    response = client.post(URL, report_form(narrative="My careful text", evidence_file=upload))
    page = response.content.decode()
    assert response.status_code == 422
    assert "not an accepted kind of file" in page and "My careful text" in page
    assert not ProgressReport.objects.exists()


def test_invalid_values_are_explained_next_to_their_fields(editor, signed_in):
    client = signed_in(editor, headers={"accept-language": "en"})
    response = client.post(URL, report_form(percent="150"))
    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 100." in response.content.decode()


def test_a_conflicting_report_is_explained_and_the_second_text_kept(editor, make_user, signed_in):
    other = make_user("editor", "MINEDUC")
    first, second = signed_in(editor, headers={"accept-language": "en"}), signed_in(other)
    first.post(URL, report_form(percent="50"))
    response = second.post(URL, report_form(percent="60", narrative="My own account of it"),
                           headers={"accept-language": "en"})
    page = response.content.decode()
    assert "MINEDUC reported progress on this milestone (50%" in page and "My own account of it" in page
    assert ProgressReport.objects.count() == 1
    latest = ProgressReport.objects.get().pk
    assert second.post(URL, report_form(percent="60", based_on=str(latest))).status_code == 302
    assert ProgressReport.objects.count() == 2


def test_a_forged_post_for_another_institution_is_refused_and_logged(fifth_plan, make_user, signed_in):
    intruder = signed_in(make_user("editor", "MINGOB"))
    assert intruder.post(URL, report_form()).status_code == 403
    assert AuditEvent.objects.filter(action="permission.refused", data__permission="plans.report_progress_for").exists()
    assert not ProgressReport.objects.exists()


def test_anonymous_posts_are_sent_to_sign_in(fifth_plan):
    response = Client().post(URL, report_form())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_monitor_disputes_and_the_public_sees_reported_and_disputed(editor, make_user, signed_in):
    signed_in(editor).post(URL, report_form(percent="80"))
    monitor = make_user("monitor", "FUNDAL")
    client = Client(headers={"accept-language": "en"})
    client.force_login(monitor)
    report = ProgressReport.objects.get()
    response = client.post(URL, {"action": "validate", "report": report.pk,
                                 "organization": Institution.objects.get(acronym="FUNDAL").pk,
                                 "verdict": "dispute", "reason": "No data on students with deaf-blindness."})
    assert response.status_code == 302
    public = Client(headers={"accept-language": "en"})
    page = public.get(URL).content.decode()
    assert "Disputed" in page and "deaf-blindness" in page and "80%" in page
    commitment = public.get("/plans/2021-2023/commitments/4/").content.decode()
    assert "flag-disputed" in commitment
    data = public.get(URL + "?format=json").json()
    assert (data["progress"]["reported"], data["progress"]["confirmed"]) == (80, 0)
    assert data["reports"][0]["validations"][0]["verdict"] == "dispute"


def test_reviewer_assesses_a_commitment_and_it_shows_on_its_page(fifth_plan, make_user):
    reviewer = make_user("reviewer")
    client = Client(headers={"accept-language": "en"})
    client.force_login(reviewer)
    url = "/plans/2021-2023/commitments/4/assessment/"
    response = client.post(url, {"verifiable": "true", "verifiable_why": "Milestones have dated deliverables.",
                                 "open_gov_lens": "true", "open_gov_lens_why": "Publishes education data.",
                                 "potential_for_results": "modest", "potential_for_results_why": "A portal section.",
                                 "completion": "substantial", "completion_why": "Five of six done.",
                                 "early_results": "marginal", "early_results_why": "Little use so far."})
    assert response.status_code == 302
    page = Client(headers={"accept-language": "en"}).get("/plans/2021-2023/commitments/4/").content.decode()
    assert "Independent assessment" in page and "Five of six done." in page and "Substantial" in page


def test_only_reviewers_may_assess(fifth_plan, make_user, signed_in):
    client = signed_in(make_user("administrator"))
    assert client.get("/plans/2021-2023/commitments/4/assessment/").status_code == 403


def test_the_plan_page_summarises_the_assessments(fifth_plan, make_user):
    from apertura.plans.models import Commitment
    from apertura.plans.services import assessment_save

    reviewer = make_user("reviewer")
    for number, completion in ((4, "substantial"), (5, "limited"), (6, "substantial")):
        assessment_save(commitment=Commitment.objects.get(number=number), by=reviewer,
                        values={"completion": completion, "verifiable": True})
    page = Client(headers={"accept-language": "en"}).get("/plans/2021-2023/").content.decode()
    assert "Substantial: <strong>2</strong>" in page and "Limited: <strong>1</strong>" in page
    assert "Not assessed: <strong>9</strong>" in page
