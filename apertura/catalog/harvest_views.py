"""Administration of scheduled harvest sources, under /manage/harvest/ (administrators only). The services check the
permission (catalog.manage_harvest) and audit refusals; these views ask it only to decide what to show."""

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apertura.common.forms import form_status, submitted
from apertura.common.records import as_json_list
from apertura.common.twins import json_twin, requested_format

from . import selectors, services
from .forms import HarvestSourceForm
from .models import HarvestSource
from .schemas import HarvestRunOut


def _administrators_only(request) -> None:
    """The pages are shown only to administrators; a form sent by anyone else is refused by the service's check (and
    the refusal audited) before it is read."""
    if request.method == "POST":
        services.harvest_manage_check(by=request.user)
    elif not rules.has_perm("catalog.manage_harvest", request.user):
        raise PermissionDenied(_("Only administrators configure harvest sources."))


def _source_or_404(pk) -> HarvestSource:
    try:
        return selectors.harvest_source_get(pk)
    except HarvestSource.DoesNotExist:
        raise Http404(_("There is no such harvest source.")) from None


@login_required
def source_list(request):
    _administrators_only(request)
    form = HarvestSourceForm(request.POST or None)
    done = submitted(request, form, lambda data: services.harvest_source_save(by=request.user, **data))
    if done is not None:
        messages.success(request, _("Harvest source added: %(url)s.") % {"url": done.value.url})
        return redirect("catalog:harvest_source", done.value.pk)
    return render(request, "catalog/harvest_sources.html", {"rows": selectors.harvest_sources(), "form": form},
                  status=form_status(form))


@login_required
def source_detail(request, pk):
    _administrators_only(request)
    source = _source_or_404(pk)
    runs = selectors.harvest_runs(source)
    if requested_format(request) == "json":
        return json_twin({"source": source.url, "runs": as_json_list(HarvestRunOut, runs, request=request)})
    form = HarvestSourceForm(request.POST or None, instance=source)
    done = submitted(request, form, lambda data: services.harvest_source_save(by=request.user, source=source,
                                                                              **data))
    if done is not None:
        messages.success(request, _("Harvest source saved."))
        return redirect("catalog:harvest_source", source.pk)
    return render(request, "catalog/harvest_source.html", {"source": source, "form": form, "runs": runs},
                  status=form_status(form))


@require_POST
@login_required
def source_run(request, pk):
    source = _source_or_404(pk)
    services.harvest_source_queue(source=source, by=request.user)
    messages.success(request, _("The harvest was started; its report appears below when it ends."))
    return redirect("catalog:harvest_source", source.pk)
