from .base import BASE_DIR, PROJECT_DIR
from .env import config, DATA_DIR

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages come from npm at setup (package.json); Django serves the files it needs from there.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/htmx", PROJECT_DIR / "node_modules" / "htmx.org" / "dist")] + [
    (f"vendor/{name}", PROJECT_DIR / "node_modules" / name / "build") for name in ("vega", "vega-lite", "vega-embed")]
MEDIA_URL = "/media/"
MEDIA_ROOT = config["APERTURA_MEDIA_ROOT"] or str(DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Served straight from the finders: no collectstatic step for the embedded deployment.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600
