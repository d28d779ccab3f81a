"""Who may change a resource's table (its Table Schema, re-checking its file): the editors of the institution that
publishes the dataset, and administrators — the same people who may change the dataset."""

import rules

from apertura.accounts.roles import roles_of
from apertura.accounts.rules import is_administrator


@rules.predicate
def edits_for_resource_publisher(user, resource) -> bool:
    return resource is not None and resource.dataset.publisher_id in roles_of(user).edits


rules.add_perm("datastore.change_table", is_administrator | edits_for_resource_publisher)
