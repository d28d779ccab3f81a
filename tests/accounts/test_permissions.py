import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from apertura.accounts import services
from apertura.accounts.models import Role, RoleKind
from apertura.audit.models import AuditEvent

from .conftest import english_client, sign_in_verified

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "participant", RoleKind.EDITOR, RoleKind.MONITOR, RoleKind.REVIEWER,
            RoleKind.ADMINISTRATOR]
PERMISSIONS = ["accounts.invite", "accounts.manage_users"]
# Who may do what: only administrators manage accounts.
MATRIX = {(persona, perm): persona == RoleKind.ADMINISTRATOR for persona in PERSONAS for perm in PERMISSIONS}


@pytest.fixture
def persona(make_account):
    def build(name):
        if name == "anonymous":
            return AnonymousUser()
        return make_account(f"u-{name}", None if name == "participant" else name)

    return build


@pytest.mark.parametrize(("who", "perm"), sorted(MATRIX, key=str))
def test_permission_matrix(persona, who, perm):
    assert rules.has_perm(perm, persona(who)) is MATRIX[(who, perm)]


@pytest.mark.parametrize("who", ["participant", RoleKind.MONITOR, RoleKind.REVIEWER])
def test_administration_is_forbidden_to_other_roles(persona, who):
    client = english_client()
    client.force_login(persona(who))
    response = client.get(reverse("manage:users"))
    assert response.status_code == 403 and "Only administrators" in response.content.decode()
    invite = {"email": "x@example.org", "kind": "administrator"}
    assert client.post(reverse("manage:users"), invite).status_code == 403


def test_administration_is_forbidden_to_a_verified_editor(make_account):
    client = sign_in_verified(english_client(), make_account("elena", RoleKind.EDITOR, two_factor=True))
    assert client.get(reverse("manage:users")).status_code == 403


def test_anonymous_people_are_sent_to_sign_in():
    response = english_client().get(reverse("manage:users"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_administration_page_lists_people_roles_and_invitations(admin_account_client, make_account, admin_account):
    make_account("elena", RoleKind.EDITOR)
    services.invitation_create(by=admin_account, email="new@example.org", kind=RoleKind.REVIEWER)
    html = admin_account_client.get(reverse("manage:users")).content.decode()
    expected = ("elena", "Institution editor", "MINGOB", "new@example.org", "Independent reviewer", "Revoke")
    for text in expected:
        assert text in html


def test_roles_are_granted_and_revoked_by_administrators_and_audited(admin_account, make_account, institution):
    person = make_account("pablo")
    role = services.role_grant(by=admin_account, user=person, kind=RoleKind.MONITOR, institution=institution)
    with translation.override("en"), pytest.raises(ValidationError, match="already holds this role"):
        services.role_grant(by=admin_account, user=person, kind=RoleKind.MONITOR, institution=institution)
    with translation.override("en"), pytest.raises(ValidationError, match="choose one"):
        services.role_grant(by=admin_account, user=person, kind=RoleKind.EDITOR)
    with translation.override("en"), pytest.raises(ValidationError, match="is not a role"):
        services.role_grant(by=admin_account, user=person, kind="king")
    services.role_revoke(by=admin_account, role=role)
    assert not Role.objects.filter(user=person).exists()
    grant, revoke = AuditEvent.objects.filter(action__in=["role.grant", "role.revoke"]).order_by("id")
    assert (grant.action, grant.actor, grant.data["institution"]) == ("role.grant", admin_account, "MINGOB")
    assert (revoke.action, revoke.actor, revoke.data["user"]) == ("role.revoke", admin_account, "pablo")


@pytest.mark.parametrize("who", ["participant", RoleKind.EDITOR, RoleKind.MONITOR, RoleKind.REVIEWER])
def test_only_administrators_grant_and_revoke(persona, who, admin_account):
    someone = persona(who)
    with pytest.raises(PermissionDenied):
        services.role_grant(by=someone, user=someone, kind=RoleKind.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        services.role_revoke(by=someone, role=admin_account.roles.get())
    assert not AuditEvent.objects.filter(action__startswith="role.").exists()


def test_the_last_administrator_stays(admin_account_client, admin_account):
    role = admin_account.roles.get()
    response = admin_account_client.post(reverse("manage:role_revoke", args=[role.pk]), follow=True)
    assert "is the last administrator" in response.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


def test_the_revoke_button_revokes(admin_account_client, make_account):
    role = make_account("elena", RoleKind.EDITOR).roles.get()
    response = admin_account_client.post(reverse("manage:role_revoke", args=[role.pk]), follow=True)
    assert response.status_code == 200
    assert "elena no longer holds the role «Institution editor · MINGOB»" in response.content.decode()
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(role.pk)).exists()


def test_an_administrator_resets_a_lost_authenticator(admin_account_client, make_account):
    editor = make_account("elena", RoleKind.EDITOR, two_factor=True)
    response = admin_account_client.post(reverse("manage:two_factor_reset", args=[editor.pk]))
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=editor).exists()
    assert AuditEvent.objects.filter(action="totp.reset", data__user="elena").exists()
