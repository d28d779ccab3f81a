"""Who may do what in the catalog. Editors publish only for their institution; administrators for all."""

import rules

from apertura.accounts.roles import roles_of
from apertura.accounts.rules import is_administrator


@rules.predicate
def edits_for_institution(user, institution) -> bool:
    return institution is not None and institution.pk in roles_of(user).edits


@rules.predicate
def edits_for_publisher(user, dataset) -> bool:
    return dataset is not None and dataset.publisher_id in roles_of(user).edits


@rules.predicate
def is_published(user, dataset) -> bool:
    return dataset is not None and dataset.state == "published"


@rules.predicate
def edits_for_requested_institution(user, data_request) -> bool:
    return data_request is not None and data_request.institution_id in roles_of(user).edits


@rules.predicate
def edits_for_resource_publisher(user, resource) -> bool:
    return resource is not None and resource.dataset.publisher_id in roles_of(user).edits


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


rules.add_perm("catalog.publish_for", is_administrator | edits_for_institution)
rules.add_perm("catalog.publish", is_administrator | rules.predicate(lambda user: bool(roles_of(user).edits)))
rules.add_perm("catalog.change_dataset", is_administrator | edits_for_publisher)
rules.add_perm("catalog.view_dataset", is_published | is_administrator | edits_for_publisher)
rules.add_perm("catalog.request_data", is_signed_in)
rules.add_perm("catalog.answer_request", is_administrator | edits_for_requested_institution)
rules.add_perm("catalog.publish_self", is_administrator)
# The Open Data Users Committee's priorities are recorded by the administrators who serve as its secretariat.
rules.add_perm("catalog.mark_priority", is_administrator)
rules.add_perm("catalog.manage_harvest", is_administrator)
# Who may change a resource's table (its Table Schema, re-checking its file, a held upload): the editors of the
# institution that publishes the dataset, and administrators, the same people who may change the dataset. The
# permission keeps the datastore's name; the catalog decides it because the table is its resource's.
rules.add_perm("datastore.change_table", is_administrator | edits_for_resource_publisher)
