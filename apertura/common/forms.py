"""The one way a view runs a form through a service.

    form = ProposalForm(request.POST or None, plan=plan)
    done = submitted(request, form, lambda data: services.proposal_submit(by=request.user, **data))
    if done is not None:
        return redirect(done.value)
    return render(request, "…", {"form": form}, status=form_status(form))

A ValidationError the service raises lands on the form — on the field it names, else on the whole form — so the
page shows it beside what the person typed, nothing typed is lost, and the answer is 400 (429 when the refusal
is a rate limit, which the service marks with the code "rate_limited").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

T = TypeVar("T")
RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class Done(Generic[T]):
    """What the service returned (which may itself be None)."""

    value: T


def _add(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submitted(request: HttpRequest, form: forms.BaseForm, action: Callable[[dict[str, Any]], T]) -> Done[T] | None:
    """On a POST with a valid form, Done(`action(form.cleaned_data)`); None when there was nothing to do or the
    service refused (its reasons are then on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Done(action(form.cleaned_data))
    except ValidationError as error:
        _add(form, error)
        return None


def form_status(form: forms.BaseForm) -> int:
    """200 for a fresh or good form; 400 when it shows errors; 429 when the refusal was a rate limit."""
    if not form.is_bound or not form.errors:
        return 200
    codes = {e.code for errors in form.errors.as_data().values() for e in errors}
    return 429 if RATE_LIMITED in codes else 400
