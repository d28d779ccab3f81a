"""Who may do what in the catalog. Editors publish only for their institution; administrators for all; data requests
are for contributors (signed in, active, not suspended: the participation app's predicate). The services enforce
these with `require` (apertura/accounts/permissions.py); views ask them only to decide what to show.
tests/catalog/test_permission_matrix.py holds every permission against every role."""

import rules

from apertura.accounts.roles import roles_of
from apertura.accounts.rules import is_administrator, is_editor
from apertura.participation.rules import is_contributor


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


def table_resource(obj):
    """The catalog resource a datastore table belongs to (its key is the resource's id), or the resource itself;
    None for a table that is not a catalog resource's (one made from the command line)."""
    from django.core.exceptions import ValidationError

    from apertura.datastore.models import DatastoreTable

    from .models import Resource

    if isinstance(obj, Resource) or obj is None:
        return obj
    if isinstance(obj, DatastoreTable):
        try:
            return Resource.objects.select_related("dataset").filter(pk=obj.resource_key).first()
        except (ValueError, ValidationError):  # not a UUID: no resource has it
            return None
    return None


@rules.predicate
def edits_for_resource_publisher(user, resource_or_table) -> bool:
    resource = table_resource(resource_or_table)
    return resource is not None and resource.dataset.publisher_id in roles_of(user).edits


@rules.predicate
def owns_token(user, token) -> bool:
    return token is not None and token.user_id == getattr(user, "pk", None)


rules.add_perm("catalog.publish_for", is_administrator | edits_for_institution)
rules.add_perm("catalog.publish", is_administrator | is_editor)
rules.add_perm("catalog.change_dataset", is_administrator | edits_for_publisher)
rules.add_perm("catalog.view_dataset", is_published | is_administrator | edits_for_publisher)
# Asking an institution for data, and supporting someone else's request, are public submissions: for contributors.
rules.add_perm("catalog.request_data", is_contributor)
rules.add_perm("catalog.answer_request", is_administrator | edits_for_requested_institution)
rules.add_perm("catalog.publish_self", is_administrator)
# The Open Data Users Committee's priorities are recorded by the administrators who serve as its secretariat.
rules.add_perm("catalog.mark_priority", is_administrator)
rules.add_perm("catalog.manage_harvest", is_administrator)
# An API key is revoked by its owner, or by an administrator (who manages the accounts).
rules.add_perm("catalog.revoke_token", owns_token | is_administrator)
# Who may change a resource's table (its Table Schema, re-checking its file, a held upload): the editors of the
# institution that publishes the dataset, and administrators, the same people who may change the dataset. The
# permission keeps the datastore's name and is asked by the datastore's services with the table as its object; the
# catalog decides it because the table is its resource's (a table is matched to its resource by key).
rules.add_perm("datastore.change_table", is_administrator | edits_for_resource_publisher)
