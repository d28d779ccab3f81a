"""Proposals for a plan: submitting one, supporting it, and the workflow of its public, reasoned response."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.notifications.services import announce_change, follow_set

from ..limits import fingerprint, limit, rate_limit_check
from ..models import CLOSED_STATUSES, Proposal, ProposalEvent, ProposalStatus, Support

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

    from apertura.institutions.models import Institution
    from apertura.plans.models import Commitment, Milestone, Plan, Theme


def proposal_submit(*, by: AuthUser, plan: Plan, title: str, problem: str, proposal: str, theme: Theme | None = None,
                    institution: Institution | None = None, department: str = "",
                    address: str | None = None) -> Proposal:
    """A participant's proposal for the plan; its author follows it. Counted against the rate limits of the
    account and of the network `address`; the same texts again from the same person are refused."""
    require("participation.submit", by=by, obj=plan, why=_("Sign in with a participant account to submit a proposal."))
    if theme is not None and theme.plan_id != plan.pk:
        raise ValidationError({"theme": [_("That theme belongs to another plan.")]})
    rate_limit_check(action="proposal", user=by, address=address)
    print_ = fingerprint(title, problem, proposal)
    since = timezone.now() - timedelta(hours=limit("APERTURA_PARTICIPATION_DUPLICATE_HOURS"))
    with transaction.atomic():
        if Proposal.objects.filter(author=by, fingerprint=print_, created_at__gte=since).exists():
            raise ValidationError(_("You already sent this proposal. It is in the list; there is no need to send "
                                    "it again."), code="duplicate")
        item = Proposal(plan=plan, author=by, title=(title or "").strip(), problem=(problem or "").strip(),
                        proposal=(proposal or "").strip(), theme=theme, institution=institution,
                        department=department or "", fingerprint=print_)
        item.full_clean(exclude=["fingerprint"])
        item.save()
        ProposalEvent.objects.create(proposal=item, status=item.status)
        audit_record(action="proposal.submit", obj_type="proposal", obj_id=item.pk, actor=by,
                     summary=f"Proposal {item.pk} submitted for plan {plan.slug}",
                     data={"title": item.title, "department": item.department,
                           "theme": theme.code if theme else None,
                           "institution": institution.acronym if institution else None})
        follow_set(user=by, target=item, following=True)
    return item


def proposal_support(*, by: AuthUser, proposal: Proposal, supporting: bool = True,
                     address: str | None = None) -> bool:
    """Support a proposal, or (`supporting=False`) withdraw the support. Asking for what is already so changes
    nothing and is not counted; each change counts against the rate limits."""
    require("participation.support", by=by, obj=proposal, why=_("You cannot support this proposal."))
    if Support.objects.filter(proposal=proposal, user=by).exists() == supporting:
        return supporting
    rate_limit_check(action="support", user=by, address=address)
    with transaction.atomic():
        if supporting:
            try:
                with transaction.atomic():
                    Support.objects.create(proposal=proposal, user=by)
            except IntegrityError:
                return True
        elif not Support.objects.filter(proposal=proposal, user=by).delete()[0]:
            return False
        audit_record(action="proposal.support" if supporting else "proposal.unsupport", obj_type="proposal",
                     obj_id=proposal.pk, actor=by)
    return supporting


def proposal_respond(*, by: AuthUser, proposal: Proposal, status: str, response: str = "",
                     commitment: Commitment | None = None, milestone: Milestone | None = None,
                     merged_into: Proposal | None = None) -> Proposal:
    """Move a proposal along its workflow. Closing it (incorporated, merged, not adopted) needs a public,
    reasoned response; incorporating needs the commitment or milestone it became; merging, the proposal."""
    require("participation.answer", by=by, obj=proposal, why=_("Only administrators answer proposals."))
    response = (response or "").strip()
    problems: dict[str, list[str]] = {}
    if status not in ProposalStatus.values:
        problems["status"] = [_("Choose a status.")]
    if status in CLOSED_STATUSES and len(response) < 20:
        problems["response"] = [_("Closing a proposal needs a public, reasoned response (at least 20 "
                                  "characters) saying why.")]
    if status == ProposalStatus.INCORPORATED:
        if milestone is not None and commitment is None:
            commitment = milestone.commitment
        if commitment is None:
            problems["commitment"] = [_("Say which commitment or milestone the proposal became.")]
        elif commitment.plan_id != proposal.plan_id or (milestone and milestone.commitment_id != commitment.pk):
            problems["commitment"] = [_("The commitment and milestone must belong to the proposal's plan.")]
    else:
        commitment = milestone = None
    if status == ProposalStatus.MERGED:
        if merged_into is None:
            problems["merged_into"] = [_("Say which proposal it was merged into.")]
        elif merged_into.pk == proposal.pk or merged_into.plan_id != proposal.plan_id:
            problems["merged_into"] = [_("Merge it into another proposal of the same plan.")]
    else:
        merged_into = None
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        item = Proposal.objects.select_for_update().get(pk=proposal.pk)
        before = item.status
        item.status, item.commitment, item.milestone, item.merged_into = status, commitment, milestone, merged_into
        if response:
            item.response, item.responded_by, item.responded_at = response, by, timezone.now()
        item.save()
        ProposalEvent.objects.create(proposal=item, status=status, response=response)
        audit_record(action="proposal.respond", obj_type="proposal", obj_id=item.pk, actor=by,
                     summary=f"Proposal {item.pk}: {before} → {status}",
                     data={"from": before, "to": status, "response": response,
                           "commitment": commitment.number if commitment else None,
                           "milestone": milestone.number if milestone else None,
                           "merged_into": merged_into.pk if merged_into else None})
        announce_change(target=item, actor=by,
                        title=_("Your proposal «%(title)s» is now: %(status)s")
                        % {"title": item.title[:120], "status": item.get_status_display()},
                        body=response, url=item.get_absolute_url())
    return item
