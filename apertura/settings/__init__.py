"""Settings: everything comes from the environment, read once through the registry (registry.py: every variable,
its type, default and help); each concern has its own module."""

from .base import *  # noqa: F401,F403
from .auth import *  # noqa: F401,F403
from .database import *  # noqa: F401,F403
from .i18n import *  # noqa: F401,F403
from .security import *  # noqa: F401,F403
from .storage import *  # noqa: F401,F403
from .tasks import *  # noqa: F401,F403
from .cache import *  # noqa: F401,F403
from .apps import *  # noqa: F401,F403
