"""Anyone may look at charts, maps and breakdowns of a table they may see; saving a chart under a public address is
for the people who publish data (editors of an institution, administrators), who answer for what the site shows,
and only of a table they may see. A saved chart is removed by whoever saved it or an administrator.
tests/explore/test_permission_matrix.py holds every permission against every role."""

import rules

from apertura.accounts.rules import is_administrator, is_editor


@rules.predicate
def saved_it(user, chart) -> bool:
    return chart is not None and chart.created_by_id is not None and chart.created_by_id == user.pk


@rules.predicate
def sees_resource(user, resource) -> bool:
    """The catalog resource (whose table is charted) is one the user may see: its dataset is published, or theirs."""
    return resource is not None and rules.has_perm("catalog.view_dataset", user, resource.dataset)


rules.add_perm("explore.save_chart", (is_administrator | is_editor) & sees_resource)
rules.add_perm("explore.delete_chart", is_administrator | (is_editor & saved_it))
