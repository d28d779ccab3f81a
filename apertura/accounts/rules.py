import rules

from .roles import roles_of


@rules.predicate
def is_administrator(user) -> bool:
    return roles_of(user).is_administrator


@rules.predicate
def is_reviewer(user) -> bool:
    return roles_of(user).is_reviewer


@rules.predicate
def is_monitor(user) -> bool:
    return bool(roles_of(user).monitors)


@rules.predicate
def is_editor(user) -> bool:
    return bool(roles_of(user).edits)


rules.add_perm("accounts.manage_users", is_administrator)
rules.add_perm("accounts.invite", is_administrator)
