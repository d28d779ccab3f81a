"""Who may take part, and how, as named predicates. The services enforce them with `require`
(apertura/accounts/permissions.py), which audits each refusal; views and templates ask `rules.has_perm` only to
decide what to show. tests/participation/test_permission_matrix.py holds every permission against every role."""

import rules

from apertura.accounts.rules import is_administrator


@rules.predicate
def is_contributor(user) -> bool:
    """Signed in, with a confirmed (active) account that is not suspended: who may contribute, here and in the
    catalog's data requests (apertura/catalog/rules.py imports it: keep the name)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from .models import Participant

    try:
        return user.participant.suspended_at is None
    except Participant.DoesNotExist:
        return True


@rules.predicate
def is_author(user, obj) -> bool:
    return obj is not None and getattr(obj, "author_id", None) == getattr(user, "pk", None)


@rules.predicate
def is_open_proposal(user, proposal) -> bool:
    return proposal is not None and not proposal.is_closed


@rules.predicate
def is_open_consultation(user, consultation) -> bool:
    from django.utils import timezone

    return consultation is not None and consultation.phase(timezone.now()) == "open"


rules.add_perm("participation.submit", is_contributor)
rules.add_perm("participation.support", is_contributor & ~is_author & is_open_proposal)
rules.add_perm("participation.comment_consultation", is_contributor & is_open_consultation)
rules.add_perm("participation.comment_plan", is_contributor)
# Anyone, signed in or not, reports a contribution or says whether a page was useful: the rate limits, the
# honeypot and the duplicate checks are what guard these.
rules.add_perm("participation.report", rules.always_allow)
rules.add_perm("participation.give_feedback", rules.always_allow)
rules.add_perm("participation.answer", is_administrator)
rules.add_perm("participation.moderate", is_administrator)
rules.add_perm("participation.organize", is_administrator)
rules.add_perm("participation.manage_forum", is_administrator)
rules.add_perm("participation.see_feedback", is_administrator)
