from django.utils.translation import gettext_lazy as _

from .base import BASE_DIR

# Spanish first: the default when the browser asks for neither language.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Guatemala"
LANGUAGE_COOKIE_NAME = "apertura_language"
