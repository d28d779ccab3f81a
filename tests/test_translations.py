"""Every string of the interface has a Spanish translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "apertura"
CATALOG = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "django.po"


def translated(po) -> dict:
    return {e.msgid: e for e in po if not e.obsolete}


def test_the_spanish_catalog_has_no_empty_or_fuzzy_entries():
    for entry in translated(polib.pofile(str(CATALOG))).values():
        assert "fuzzy" not in entry.flags, entry.msgid
        assert entry.translated(), f"no Spanish for {entry.msgid!r}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is installed by make setup")
def test_every_string_in_the_code_and_templates_is_in_the_catalog(tmp_path):
    copy = tmp_path / "apertura"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("migrations", "__pycache__", "static"))
    shutil.rmtree(copy / "locale")
    (copy / "locale").mkdir()
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "es", "--no-location"], cwd=copy,
                   check=True, capture_output=True)
    fresh = translated(polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")))
    committed = translated(polib.pofile(str(CATALOG)))
    missing = sorted(set(fresh) - {m for m, e in committed.items() if e.translated()})
    assert not missing, f"run `apertura makemessages -l es` and translate: {missing}"
