"""Anyone may look at charts, maps and breakdowns of a table they may see; saving a chart under a public address is
for the people who publish data (editors of an institution, administrators), who answer for what the site shows.
A saved chart is removed by whoever saved it or an administrator."""

import rules

from apertura.accounts.rules import is_administrator, is_editor


@rules.predicate
def saved_it(user, chart) -> bool:
    return chart is not None and chart.created_by_id is not None and chart.created_by_id == user.pk


rules.add_perm("explore.save_chart", is_administrator | is_editor)
rules.add_perm("explore.delete_chart", is_administrator | (is_editor & saved_it))
