"""Atom feeds of progress and civil-society verdicts, per plan, commitment and institution."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from apertura.institutions.models import Institution
from apertura.institutions.selectors import institution_get

from .models import Commitment, Plan
from .selectors import activity, commitment_lookup, plan_lookup


class _ActivityFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item):
        return item["title"]

    def item_description(self, item):
        return item["text"]

    def item_link(self, item):
        return item["url"]

    def item_pubdate(self, item):
        return item["date"]

    def item_guid(self, item):
        return item["id"]

    item_guid_is_permalink = False


class PlanFeed(_ActivityFeed):
    def get_object(self, request, slug):
        try:
            return plan_lookup(slug=slug)
        except Plan.DoesNotExist:
            raise Http404 from None

    def title(self, plan):
        return _("Progress on %(plan)s") % {"plan": plan.title}

    def link(self, plan):
        return plan.get_absolute_url()

    def items(self, plan):
        return activity(plan=plan)


class CommitmentFeed(_ActivityFeed):
    def get_object(self, request, slug, number):
        try:
            return commitment_lookup(plan_slug=slug, number=number)
        except Commitment.DoesNotExist:
            raise Http404 from None

    def title(self, commitment):
        return _("Progress on commitment %(n)s: %(title)s") % {"n": commitment.number, "title": commitment.title}

    def link(self, commitment):
        return commitment.get_absolute_url()

    def items(self, commitment):
        return activity(commitment=commitment)


class InstitutionFeed(_ActivityFeed):
    def get_object(self, request, slug):
        try:
            return institution_get(slug=slug)
        except Institution.DoesNotExist:
            raise Http404 from None

    def title(self, institution):
        return _("Progress reported by or about %(name)s") % {"name": institution.name}

    def link(self, institution):
        return institution.get_absolute_url()

    def items(self, institution):
        return activity(institution=institution)
