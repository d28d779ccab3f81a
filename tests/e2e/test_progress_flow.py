"""The monitoring loop in a real browser: an editor reports progress with evidence (signing in with a
second factor), a civil-society monitor disputes it, and the public sees both; axe-core on each page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MILESTONE = "/plans/2021-2023/milestones/4.3/"
PASSWORD = "a long e2e password 2026"


def person(username, kind, acronym, *, totp=False):
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apertura.accounts.models import Role
    from apertura.institutions.models import Institution

    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Role.objects.create(user=user, kind=kind, institution=Institution.objects.get(acronym=acronym))
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True) if totp else user


def current_code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(page, username, device=None):
    page.goto(f"/accounts/login/?next={MILESTONE}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:  # editors give the second factor before anything else
        expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
        page.get_by_label("Six-digit code").fill(current_code(device))
        page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(re.escape(MILESTONE) + "$"))


def test_report_with_evidence_then_dispute_then_public_view(new_page, axe, tmp_path):
    device = person("mineduc-poc", "editor", "MINEDUC", totp=True)
    person("fundal-monitor", "monitor", "FUNDAL")

    editor = new_page("en")
    sign_in(editor, "mineduc-poc", device)
    editor.goto(MILESTONE)
    form = editor.locator("form", has=editor.get_by_role("button", name="Publish the report"))
    form.get_by_label("Status").select_option("in_progress")
    form.get_by_label("Percent complete").fill("45")
    form.get_by_label("What was done").fill("Education data collected in **all 22 departments**.")
    evidence = tmp_path / "minutes.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    form.get_by_label("Evidence file").set_input_files(str(evidence))
    form.get_by_label("What the evidence shows").fill("Signed minutes of the data committee")
    assert axe(editor) == [], "axe on the reporting form"
    form.get_by_role("button", name="Publish the report").click()
    expect(editor.get_by_text("Progress reported.")).to_be_visible()
    expect(editor.locator("article.report strong", has_text="all 22 departments")).to_be_visible()
    expect(editor.get_by_role("link", name="Signed minutes of the data committee")).to_be_visible()

    monitor = new_page("en")
    sign_in(monitor, "fundal-monitor")
    monitor.goto(MILESTONE)
    monitor.get_by_label("Disputed").check()
    monitor.get_by_label("Reason").fill("The data leave out students with deaf-blindness.")
    assert axe(monitor) == [], "axe on the validation form"
    monitor.get_by_role("button", name="Publish the verdict").click()
    expect(monitor.get_by_text("Your verdict is published.")).to_be_visible()

    public = new_page("es")
    public.goto(MILESTONE)
    report = public.locator("article.report").first
    expect(report).to_contain_text("45%")
    expect(report.locator(".verdict-dispute")).to_contain_text("deaf-blindness")  # stored as written
    expect(report.locator(".verdict-dispute strong").first).to_have_text("Objetado")
    assert axe(public) == [], "axe on the public milestone page"
    public.goto("/plans/2021-2023/commitments/4/")
    expect(public.locator("#milestone-4\\.3 .flag-disputed")).to_be_visible()
