from .env import env_int, env_str

AUTHENTICATION_BACKENDS = [
    # Lockout first, so a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = env_int("APERTURA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("APERTURA_LOGIN_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

OTP_TOTP_ISSUER = env_str("APERTURA_SITE_NAME", "Apertura")
INVITATION_VALID_DAYS = env_int("APERTURA_INVITATION_DAYS", 14)
# Where links in messages sent outside a request point (`apertura invite` prints one).
SITE_URL = env_str("APERTURA_SITE_URL", "http://127.0.0.1:8000")

EMAIL_BACKEND = env_str("APERTURA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("APERTURA_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("APERTURA_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("APERTURA_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("APERTURA_EMAIL_PASSWORD")
DEFAULT_FROM_EMAIL = env_str("APERTURA_EMAIL_FROM", "Apertura <no-reply@localhost>")
AXES_VERBOSE = False
