"""Who may follow records and keep an inbox: anyone signed in with an active account. Each person follows,
reads and marks only their own; nobody (administrators included) reads another person's notifications."""

import rules


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


rules.add_perm("notifications.follow", is_signed_in)
rules.add_perm("notifications.read", is_signed_in)
