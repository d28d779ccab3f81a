"""Who may manage accounts, asserted through the services that enforce it (and a sample through the pages): every
permission × every role, allowed or refused, each refusal written to the audit log as `permission.refused`.

The person concerned, Pablo, edits for INE; only administrators invite, grant, revoke and reset."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.accounts import services
from apertura.accounts.models import Role, RoleKind
from apertura.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "monitor INE", "editor INE", "editor MINEDUC", "reviewer", "administrator"]
SERVICES = {
    #                          anon part mon ed-same ed-other rev admin
    "invitation_create":      [0,   0,   0,  0,      0,       0,  1],
    "role_grant":             [0,   0,   0,  0,      0,       0,  1],
    "role_revoke":            [0,   0,   0,  0,      0,       0,  1],
    "totp_devices_reset":     [0,   0,   0,  0,      0,       0,  1],
}
PERMISSION = {"invitation_create": "accounts.invite", "role_grant": "accounts.manage_users",
              "role_revoke": "accounts.manage_users", "totp_devices_reset": "accounts.manage_users"}


@pytest.fixture
def pablo(institutions, make_user):
    person = make_user("editor", "INE", username="pablo")
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    return person


def person(role, make_user):
    if role == "anonymous":
        return AnonymousUser()
    if role == "participant":
        return make_user()
    kind, _space, acronym = role.partition(" ")
    return make_user(kind, acronym or None)


def attempt(name, user, pablo, institutions):
    if name == "invitation_create":
        return services.invitation_create(by=user, email="new@example.org", kind=RoleKind.EDITOR,
                                          institution=institutions["INE"], send_email=False)
    if name == "role_grant":
        return services.role_grant(by=user, user=pablo, kind=RoleKind.MONITOR, institution=institutions["INE"])
    if name == "role_revoke":
        return services.role_revoke(by=user, role=pablo.roles.get())
    if name == "totp_devices_reset":
        return services.totp_devices_reset(by=user, user=pablo)
    raise AssertionError(name)


@pytest.mark.parametrize("name", list(SERVICES))
@pytest.mark.parametrize("role", ROLES)
def test_each_service_allows_or_refuses_each_role_and_audits_refusals(role, name, pablo, institutions, make_user):
    user = person(role, make_user)
    before = (list(Role.objects.values_list("pk", "kind")), TOTPDevice.objects.count())
    if SERVICES[name][ROLES.index(role)]:
        attempt(name, user, pablo, institutions)
        assert not AuditEvent.objects.filter(action="permission.refused").exists()
        return
    with translation.override("en"), pytest.raises(PermissionDenied, match="Only administrators"):
        attempt(name, user, pablo, institutions)
    [event] = AuditEvent.objects.filter(action="permission.refused")
    assert (event.data["permission"], event.actor) == (PERMISSION[name], None if role == "anonymous" else user)
    assert (list(Role.objects.values_list("pk", "kind")), TOTPDevice.objects.count()) == before
    assert not AuditEvent.objects.exclude(action="permission.refused").exists()  # nothing else was written


def test_the_command_line_invites_without_a_person(institutions):
    invitation, _token = services.invitation_create(by=None, email="first@example.org",
                                                    kind=RoleKind.ADMINISTRATOR, send_email=False)
    assert invitation.invited_by is None
    assert not AuditEvent.objects.filter(action="permission.refused").exists()


# A sample through the pages: the same refusals, with a 403 and a trace.

def test_an_editor_revoking_or_resetting_is_refused_and_logged(pablo, make_user, signed_in):
    client = signed_in(make_user("editor", "INE"))
    assert client.post(reverse("manage:role_revoke", args=[pablo.roles.get().pk])).status_code == 403
    assert client.post(reverse("manage:two_factor_reset", args=[pablo.pk])).status_code == 403
    assert client.post(reverse("manage:users"), {"email": "x@example.org", "kind": "administrator"}).status_code == 403
    refusals = AuditEvent.objects.filter(action="permission.refused").order_by("id")
    assert [e.data["permission"] for e in refusals] == ["accounts.manage_users", "accounts.manage_users",
                                                         "accounts.invite"]
    assert Role.objects.filter(user=pablo).exists() and TOTPDevice.objects.filter(user=pablo).exists()


def test_someone_else_learns_nothing_from_a_key_that_does_not_exist(pablo, make_user, signed_in):
    client = signed_in(make_user("editor", "INE"))
    assert client.post(reverse("manage:role_revoke", args=[99999])).status_code == 403
    admin = signed_in(make_user("administrator"))
    assert admin.post(reverse("manage:role_revoke", args=[99999])).status_code == 404


def test_an_administrator_revokes_through_the_page(pablo, make_user, signed_in):
    client = signed_in(make_user("administrator"))
    assert client.post(reverse("manage:role_revoke", args=[pablo.roles.get().pk])).status_code == 302
    assert not Role.objects.filter(user=pablo).exists()
    assert not AuditEvent.objects.filter(action="permission.refused").exists()
