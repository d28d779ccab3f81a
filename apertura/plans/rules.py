"""Who may do what with plans, as named predicates. Pages, the API and the CLI all ask these."""

import rules

from apertura.accounts.roles import roles_of
from apertura.accounts.rules import is_administrator, is_reviewer


def _responsible_ids(milestone) -> set[int]:
    return {institution.pk for institution in milestone.responsible.all()}


@rules.predicate
def edits_a_responsible_institution(user, milestone) -> bool:
    return bool(roles_of(user).edits & _responsible_ids(milestone))


@rules.predicate
def may_report_for(user, milestone_and_institution) -> bool:
    """The institution must be responsible for the milestone, and the user must edit for it."""
    milestone, institution = milestone_and_institution
    if institution.pk not in _responsible_ids(milestone):
        return False
    return roles_of(user).is_administrator or institution.pk in roles_of(user).edits


@rules.predicate
def edits_for_reporting_institution(user, report) -> bool:
    return report.institution_id in roles_of(user).edits


@rules.predicate
def monitors_any_organization(user, report) -> bool:
    return bool(roles_of(user).monitors) and report.author_id != user.pk


@rules.predicate
def monitors_for(user, report_and_organization) -> bool:
    report, organization = report_and_organization
    return organization.pk in roles_of(user).monitors and report.author_id != user.pk


@rules.predicate
def edits_for_validated_institution(user, validation) -> bool:
    return validation.report.institution_id in roles_of(user).edits


rules.add_perm("plans.report_progress", is_administrator | edits_a_responsible_institution)
rules.add_perm("plans.report_progress_for", may_report_for)
rules.add_perm("plans.add_evidence", is_administrator | edits_for_reporting_institution)
rules.add_perm("plans.validate", monitors_any_organization)
rules.add_perm("plans.validate_for", monitors_for)
rules.add_perm("plans.respond_to_validation", is_administrator | edits_for_validated_institution)
rules.add_perm("plans.assess", is_reviewer)
rules.add_perm("plans.manage", is_administrator)
