from .env import config

AUTHENTICATION_BACKENDS = [
    # Lockout first, so a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = config["APERTURA_LOGIN_FAILURE_LIMIT"]
AXES_COOLOFF_TIME = config["APERTURA_LOGIN_COOLOFF_HOURS"]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

OTP_TOTP_ISSUER = config["APERTURA_SITE_NAME"]
INVITATION_VALID_DAYS = config["APERTURA_INVITATION_DAYS"]
# Where links in messages sent outside a request point (`apertura invite` prints one).
SITE_URL = config["APERTURA_SITE_URL"]

EMAIL_BACKEND = config["APERTURA_EMAIL_BACKEND"]
EMAIL_HOST = config["APERTURA_EMAIL_HOST"]
EMAIL_PORT = config["APERTURA_EMAIL_PORT"]
EMAIL_HOST_USER = config["APERTURA_EMAIL_USER"]
EMAIL_HOST_PASSWORD = config["APERTURA_EMAIL_PASSWORD"]
DEFAULT_FROM_EMAIL = config["APERTURA_EMAIL_FROM"]
AXES_VERBOSE = False
