"""Who may take part, and how, as named predicates. Views and services both ask these."""

import rules

from apertura.accounts.rules import is_administrator


@rules.predicate
def is_active_participant(user) -> bool:
    """Signed in, with a confirmed (active) account that is not suspended."""
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


rules.add_perm("participation.submit", is_active_participant)
rules.add_perm("participation.support", is_active_participant & ~is_author & is_open_proposal)
rules.add_perm("participation.answer", is_administrator)
rules.add_perm("participation.moderate", is_administrator)
rules.add_perm("participation.organize", is_administrator)
rules.add_perm("participation.comment_consultation", is_active_participant & is_open_consultation)
rules.add_perm("participation.manage_forum", is_administrator)
rules.add_perm("participation.comment_plan", is_active_participant)
rules.add_perm("participation.see_feedback", is_administrator)
