"""The people of the catalog's, the datastore's and explore's permission matrices: every role the platform knows, as
seen from a dataset published by INE (its editor is "editor"; MINEDUC's is "other_editor")."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

ROLES = ["anonymous", "participant", "suspended", "editor", "other_editor", "monitor", "administrator"]
SIGNED_IN = set(ROLES) - {"anonymous"}
CONTRIBUTORS = SIGNED_IN - {"suspended"}
PUBLISHER = {"editor", "administrator"}  # who edits for INE
EDITORS = {"editor", "other_editor", "administrator"}  # who edits for some institution, or is an administrator
ADMINISTRATOR = {"administrator"}


def make_people(make_user, institutions) -> dict:
    from apertura.institutions.models import Institution
    from apertura.participation.models import Participant

    Institution.objects.get_or_create(acronym="CoST-GT", defaults={
        "slug": "cost-gt", "name_es": "CoST Guatemala", "name_en": "CoST Guatemala", "kind": "civil_society"})
    participant, suspended = make_user(), make_user()
    Participant.objects.create(user=participant)
    Participant.objects.create(user=suspended, suspended_at=timezone.now(), suspended_reason="Spam.")
    return {"anonymous": AnonymousUser(), "participant": participant, "suspended": suspended,
            "editor": make_user("editor", "INE"), "other_editor": make_user("editor", "MINEDUC"),
            "monitor": make_user("monitor", "CoST-GT"), "administrator": make_user("administrator")}


def refusals(perm: str) -> int:
    from apertura.audit.models import AuditEvent

    return AuditEvent.objects.filter(action="permission.refused", data__permission=perm).count()


def check(call, perm: str, allowed: bool, *, expected=()):
    """Run the service call: allowed, it passes the check (it may still refuse the input with one of `expected`);
    refused, it raises PermissionDenied and the refusal is in the audit log."""
    from django.core.exceptions import PermissionDenied

    before = refusals(perm)
    if allowed:
        try:
            call()
        except PermissionDenied as error:  # pragma: no cover - the failure message says which
            pytest.fail(f"{perm} refused: {error}")
        except expected:
            pass
        assert refusals(perm) == before
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert refusals(perm) == before + 1, f"the refusal of {perm} was not audited"
