"""What the participation pages share: finding their records (404 when they are not there), and showing a form
only to whom its service would take it from.

A view asks `rules.has_perm` only to decide what to show. The service is what refuses a submission (its
`require` audits the refusal, and the PermissionDenied it raises becomes the 403 page); a view checks the
permission itself only before it would put a form in front of someone who may not use it."""

from __future__ import annotations

import rules
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from apertura.plans import selectors as plan_selectors
from apertura.plans.models import Plan

from .. import selectors
from ..models import Consultation, Proposal


def plan_or_404(slug: str) -> Plan:
    try:
        return plan_selectors.plan_get(slug=slug)
    except Plan.DoesNotExist:
        raise Http404(_("There is no action plan «%(slug)s».") % {"slug": slug}) from None


def proposal_or_404(pk: int) -> Proposal:
    try:
        return selectors.proposal_get(pk=pk)
    except Proposal.DoesNotExist:
        raise Http404(_("There is no proposal number %(pk)s.") % {"pk": pk}) from None


def consultation_or_404(slug: str, **page) -> Consultation:
    """The consultation (as its page shows it, given `section` and `page`)."""
    try:
        return selectors.consultation_page(slug=slug, **page) if page else selectors.consultation_get(slug=slug)
    except Consultation.DoesNotExist:
        raise Http404(_("There is no consultation «%(slug)s».") % {"slug": slug}) from None


def found(read, **kwargs):
    """What the selector `read` finds, or the 404 page (the one `get_object_or_404` shows) when it finds nothing."""
    try:
        return read(**kwargs)
    except ObjectDoesNotExist as error:
        model = type(error).__qualname__.rpartition(".")[0]  # Proposal.DoesNotExist: "Proposal"
        raise Http404(f"No {model} matches the given query.") from error
    except LookupError as error:  # not a kind of record there is
        raise Http404 from error


def found_for(request, perm: str, read, *, why: str, **kwargs):
    """`found`, on a page only `perm` may use: to anyone else it is refused (403) whether or not the record
    exists, so that nothing is learnt from trying."""
    if not rules.has_perm(perm, request.user):
        try:
            return read(**kwargs)
        except (ObjectDoesNotExist, LookupError):
            raise PermissionDenied(why) from None
    return found(read, **kwargs)


def form_for(request, perm: str, obj=None, *, why: str) -> None:
    """Refuse (403) to show a form whose service would refuse this person: before anything is typed in vain, and
    so that a refused submission never gets the form back (with its choices) either."""
    if not rules.has_perm(perm, request.user, obj):
        raise PermissionDenied(why)


def form_errors(form) -> str:
    """A form's errors as one message (for the forms that answer with a redirect and a message)."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def section_number(request) -> int | None:
    try:
        return int(request.GET["section"])
    except (KeyError, ValueError):
        return None
