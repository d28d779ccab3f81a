"""The environment, read once as the settings load: every variable through the registry (registry.py), which parses
and checks them all. The settings modules take their values from `config`; nothing else reads the environment."""

import os
from pathlib import Path

from .registry import load

config = load(os.environ)

# Where the embedded deployment keeps its database and uploads. One folder, so a backup is one copy.
DATA_DIR = Path(config["APERTURA_DATA_DIR"]).resolve()
