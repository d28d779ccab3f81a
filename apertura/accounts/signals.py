"""Sign-ins, failed sign-ins and sign-outs go into the audit log. The attempted password never does."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from apertura.audit.services import audit_record


def _address(request) -> str | None:
    if request is None:
        return None
    # django-axes has already worked out the client's address, proxies included.
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


@receiver(user_logged_in, dispatch_uid="apertura.accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_record(action="login.success", obj_type="user", obj_id=user.pk, actor=user,
                 summary=f"{user.get_username()} signed in", data={"ip": _address(request)})


@receiver(user_login_failed, dispatch_uid="apertura.accounts.audit_login_failure")
def audit_login_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:100]
    locked_out = bool(getattr(request, "axes_locked_out", False))
    audit_record(action="login.failure", obj_type="username", obj_id=username,
                 summary=f"Failed sign-in as {username!r}" + (" (locked out)" if locked_out else ""),
                 data={"username": username, "ip": _address(request), "locked_out": locked_out})


@receiver(user_logged_out, dispatch_uid="apertura.accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    audit_record(action="logout", obj_type="user", obj_id=user.pk, actor=user,
                 summary=f"{user.get_username()} signed out", data={"ip": _address(request)})
