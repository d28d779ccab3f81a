from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .roles import roles_of
from .selectors import totp_device_confirmed

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Reachable before the second factor: the pages that give it, signing out, and the language switch.
OPEN_VIEWS = {"accounts:two_factor_setup", "accounts:two_factor_verify", "accounts:logout", "set_language"}


class RequireTwoFactorMiddleware:
    """Administrators and editors who have signed in with their password but not yet given their second factor
    reach nothing but the pages that take it: no page, no download and no API answer, reads included. A
    password alone must not open a private table, a draft or a token list; and a public page read in that
    half-signed-in state could still show what only staff see."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
            return None
        if request.resolver_match.view_name in OPEN_VIEWS or not roles_of(user).is_staff_role:
            return None
        step = "verify" if totp_device_confirmed(user=user) else "setup"
        url = reverse(f"accounts:two_factor_{step}")
        if request.path_info.startswith("/api/"):
            # Programs get a refusal they can read, not a sign-in page.
            return JsonResponse({"detail": _("Give your second factor first (%(url)s), or sign out.") % {
                "url": request.build_absolute_uri(url)}}, status=403)
        if request.method in SAFE_METHODS:
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
