"""`python -m apertura.settings.readme`: write the settings tables generated from the registry into README.md."""

from pathlib import Path

from .registry import rewrite_readme

if __name__ == "__main__":
    readme = Path(__file__).resolve().parents[2] / "README.md"
    print(f"{readme}: {'rewritten' if rewrite_readme(readme) else 'already up to date'}")
