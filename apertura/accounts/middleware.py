from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .roles import roles_of
from .selectors import totp_device_confirmed

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Reachable before the second factor: the pages that give it, signing out, and the language switch.
OPEN_VIEWS = {"accounts:two_factor_setup", "accounts:two_factor_verify", "accounts:logout", "set_language"}
# Path prefixes rather than URL namespaces, so that pages other apps add under /manage/ are covered too.
GUARDED_PREFIXES = ("/accounts/", "/manage/")


class RequireTwoFactorMiddleware:
    """Administrators and editors who have not given their second factor may read public pages, nothing more:
    every write, and every page of accounts and administration, sends them to set it up or give it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
            return None
        match = request.resolver_match
        if match.view_name in OPEN_VIEWS:
            return None
        if request.method in SAFE_METHODS and not request.path_info.startswith(GUARDED_PREFIXES):
            return None
        if not roles_of(user).is_staff_role:
            return None
        step = "verify" if totp_device_confirmed(user=user) else "setup"
        url = reverse(f"accounts:two_factor_{step}")
        if request.method in SAFE_METHODS:
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
