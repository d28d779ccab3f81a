"""One settings registry (apertura/settings/registry.py): every variable declared once, parsed once at start-up,
documented in the README's table; no code reads the environment behind its back."""

import ast
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from apertura.settings import registry
from apertura.settings.registry import BY_NAME, INTERNAL, REGISTRY, load

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "apertura"
README = ROOT / "README.md"
# The only modules that read the environment for configuration: the registry parses it, env.py calls it.
READERS = {PACKAGE / "settings" / "registry.py", PACKAGE / "settings" / "env.py"}
OLD_NAMES = {old: setting.name for setting in REGISTRY for old in setting.old_names}


def _quiet_load(environ):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning expected
        return load(environ)


# Parsing --------------------------------------------------------------------------------------------------------

def test_unset_is_the_default():
    assert _quiet_load({}) == {setting.name: setting.default for setting in REGISTRY}


def test_empty_counts_as_unset():
    values = _quiet_load({"APERTURA_EMAIL_PORT": "", "APERTURA_SITE_NAME": "", "APERTURA_DEBUG": " "})
    assert (values["APERTURA_EMAIL_PORT"], values["APERTURA_SITE_NAME"], values["APERTURA_DEBUG"]) == (
        25, "Apertura", False)


@pytest.mark.parametrize("name, raw, value", [
    ("APERTURA_EMAIL_PORT", " 587 ", 587),
    ("APERTURA_DATASTORE_SQL_TIMEOUT", "2.5", 2.5),
    ("APERTURA_HARVEST_RUN_SECONDS", "600", 600.0),
    ("APERTURA_DEBUG", "Yes", True),
    ("APERTURA_HTTPS", "off", False),
    ("APERTURA_ALLOWED_HOSTS", " datos.gob.gt, ,www.datos.gob.gt ", ["datos.gob.gt", "www.datos.gob.gt"]),
    ("APERTURA_DATASTORE_MEMORY_LIMIT", "1GB", 1000 ** 3),
    ("APERTURA_DATASTORE_MEMORY_LIMIT", "512MiB", 512 * 1024 ** 2),
    ("APERTURA_DATASTORE_SQL_MEMORY_LIMIT", "1048576", 1024 ** 2),
    ("APERTURA_LOG_LEVEL", "warning", "WARNING"),
    ("APERTURA_TASKS_BACKEND", "Immediate", "immediate"),
    ("APERTURA_SITE_NAME", "Datos Abiertos GT", "Datos Abiertos GT"),
    ("DATABASE_URL", "postgres://u@db:5432/apertura", "postgres://u@db:5432/apertura"),
])
def test_each_type_is_parsed(name, raw, value):
    assert _quiet_load({name: raw})[name] == value


def test_invalid_values_stop_start_up_naming_every_variable_and_what_it_expected():
    with pytest.raises(ImproperlyConfigured) as raised:
        load({"APERTURA_EMAIL_PORT": "twenty-five", "APERTURA_DEBUG": "maybe", "APERTURA_DATASTORE_MEMORY_LIMIT": "10%",
              "APERTURA_LOG_LEVEL": "LOUD", "APERTURA_DATASTORE_SQL_MAX_ROWS": "-1",
              "DATABASE_URL": "mongodb://admin:hunter2@db/x", "APERTURA_SITE_NAME": "fine"})
    message = str(raised.value)
    for expected in ("APERTURA_EMAIL_PORT='twenty-five': expected a whole number",
                     "APERTURA_DEBUG='maybe': expected one of 1, true, yes, on or 0, false, no, off",
                     "APERTURA_DATASTORE_MEMORY_LIMIT='10%': expected a size",
                     "APERTURA_LOG_LEVEL='LOUD': expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
                     "APERTURA_DATASTORE_SQL_MAX_ROWS='-1': expected a whole number, at least 0",
                     "DATABASE_URL=(hidden): expected a database address"):
        assert expected in message
    assert "hunter2" not in message and "APERTURA_SITE_NAME" not in message


def test_the_old_participation_names_still_work_with_a_warning():
    with pytest.warns(registry.DeprecatedSettingWarning) as caught:
        values = load({"PARTICIPATION_LIMIT_WINDOW": "60", "PARTICIPATION_LIMIT_PER_ACCOUNT": "1"})
    assert sorted(str(w.message).split(":")[0] for w in caught) == [
        "PARTICIPATION_LIMIT_PER_ACCOUNT is deprecated", "PARTICIPATION_LIMIT_WINDOW is deprecated"]
    assert "rename it APERTURA_PARTICIPATION_LIMIT_WINDOW" in str(caught[-1].message)
    assert values["APERTURA_PARTICIPATION_LIMIT_WINDOW"] == 60
    assert values["APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT"] == 1


def test_the_new_name_wins_over_the_old_one():
    with pytest.warns(registry.DeprecatedSettingWarning, match="PARTICIPATION_REPORTS_TO_HIDE is ignored"):
        values = load({"PARTICIPATION_REPORTS_TO_HIDE": "9", "APERTURA_PARTICIPATION_REPORTS_TO_HIDE": "2"})
    assert values["APERTURA_PARTICIPATION_REPORTS_TO_HIDE"] == 2


def test_an_invalid_old_name_is_named_as_the_operator_wrote_it_under_the_new_name():
    with pytest.raises(ImproperlyConfigured, match="APERTURA_PARTICIPATION_LIMIT_WINDOW='an hour'"):
        load({"PARTICIPATION_LIMIT_WINDOW": "an hour"})


def test_an_unknown_apertura_variable_is_reported_with_the_likely_one():
    with pytest.warns(registry.UnknownSettingWarning, match="APERTURA_DATASTORE_MAXMB is set but is no Apertura "
                                                            r"setting; it is ignored \(did you mean "
                                                            r"APERTURA_DATASTORE_MAX_MB\?\)"):
        load({"APERTURA_DATASTORE_MAXMB": "20", "APERTURA_WORKER_PARENT_PID": "1"})


def test_sizes_are_read_as_duckdb_reads_them():
    assert registry.parse_size("256MB") == 256 * 1000 ** 2 and registry.parse_size("256MiB") == 2 ** 28
    assert registry.parse_size("1.5 GB") == 1_500_000_000 and registry.parse_size(4096) == 4096
    for bad in ("", "MB", "1PB", "-1GB", "nan MB", "10%"):
        with pytest.raises(ValueError):
            registry.parse_size(bad)


def test_every_setting_becomes_a_django_setting():
    missing = [(s.name, target) for s in REGISTRY for target in s.targets if not hasattr(django_settings, target)]
    assert not missing, f"Registered but never assigned in apertura/settings/: {missing}"


def test_settings_are_parsed_once_at_start_up_in_a_fresh_process(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("APERTURA_", "PARTICIPATION_"))}
    env.update(DJANGO_SETTINGS_MODULE="apertura.settings", APERTURA_DATA_DIR=str(tmp_path),
               PARTICIPATION_LIMIT_WINDOW="60", APERTURA_DATASTORE_MEMORY_LIMIT="1GiB", PYTHONWARNINGS="default")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.APERTURA_PARTICIPATION_LIMIT_WINDOW, s.APERTURA_DATASTORE_MEMORY_LIMIT)")
    started = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["60", str(1024 ** 3)]
    assert "DeprecatedSettingWarning: PARTICIPATION_LIMIT_WINDOW is deprecated" in started.stderr
    refused = subprocess.run([sys.executable, "-c", code], env={**env, "APERTURA_EMAIL_PORT": "smtp"}, cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: Apertura cannot start" in refused.stderr
    assert "APERTURA_EMAIL_PORT='smtp': expected a whole number" in refused.stderr


# The README -----------------------------------------------------------------------------------------------------

def _configuration_section() -> str:
    text = README.read_text()
    start = text.index("\n## Configuration\n")
    return text[start:text.index("\n## ", start + 1)]


def _documented_names() -> list[str]:
    names, in_variables = [], False
    for line in _configuration_section().splitlines():
        if line.startswith("|"):
            in_variables = in_variables or line.startswith("| Variable ")
            found = re.match(r"\| `([A-Z][A-Z0-9_]*)` \|", line)
            if in_variables and found:
                names.append(found.group(1))
        else:
            in_variables = False
    return names


def test_the_readme_table_lists_every_setting_and_only_those():
    documented = _documented_names()
    registered = [setting.name for setting in REGISTRY]
    assert not set(registered) - set(documented), \
        f"Settings missing from README.md's Configuration table: {sorted(set(registered) - set(documented))}"
    assert not set(documented) - set(registered), \
        f"README.md's Configuration table lists what is no setting: {sorted(set(documented) - set(registered))}"
    assert len(documented) == len(set(documented)), "README.md's Configuration table lists a setting twice"


def test_the_readme_table_is_the_one_the_registry_generates():
    assert registry.readme_table() in _configuration_section(), (
        "README.md's settings tables are out of date with apertura/settings/registry.py: "
        "run `python -m apertura.settings.readme`")


def test_defaults_given_in_the_docs_are_the_registry_s():
    """A table in docs/ whose second column is "Default" gives each setting's default as the registry does."""
    wrong = []
    for path in sorted((ROOT / "docs").rglob("*.md")):
        default_table = False
        for line in path.read_text().splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not line.startswith("|"):
                default_table = False
            elif len(cells) > 1 and cells[1] == "Default":
                default_table = True
            elif default_table and (found := re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", cells[0])):
                setting = BY_NAME.get(found.group(1))
                if setting and cells[1] != setting.readme_default():
                    wrong.append(f"{path.relative_to(ROOT)}: {setting.name} {cells[1]} ≠ {setting.readme_default()}")
    assert not wrong, wrong


# The code -------------------------------------------------------------------------------------------------------

def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _module_constants() -> dict[str, str]:
    """Every module-level NAME = "string" of the package (so os.environ.get(PARENT_PID_ENV) is understood)."""
    constants = {}
    for path in _sources():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(
                    node.value.value, str):
                constants.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return constants


def _is_environ(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _loop_constants(tree) -> dict[str, list[str]]:
    """Loop variables over a literal tuple of names (`for key in ("TZ",)`), for the reads that use them."""
    loops = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) and isinstance(
                node.iter, (ast.Tuple, ast.List)):
            values = [e.value for e in node.iter.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(values) == len(node.iter.elts):
                loops.setdefault(node.target.id, []).extend(values)
    return loops


def environment_reads(path: Path, constants: dict[str, str]) -> list[tuple[int, str | None]]:
    """(line, variable) for every read of the environment in `path`; variable None when the name is computed."""
    tree = ast.parse(path.read_text())
    loops = _loop_constants(tree)

    def names(node) -> list[str | None]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Name) and node.id in loops:
            return loops[node.id]
        if isinstance(node, ast.Name) and node.id in constants:
            return [constants[node.id]]
        return [None]

    reads = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"get", "pop", "setdefault"} and _is_environ(
                    func.value) or (isinstance(func, (ast.Attribute, ast.Name)) and getattr(
                    func, "attr", getattr(func, "id", "")) == "getenv"):
                key = node.args[0] if node.args else ast.Constant(None)
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            key = node.slice
        elif isinstance(node, ast.Compare) and _is_environ(node.comparators[0]) and isinstance(
                node.ops[0], (ast.In, ast.NotIn)):
            key = node.left
        if key is not None:
            reads += [(node.lineno, name) for name in names(key)]
    return reads


def test_environment_reads_are_found(tmp_path):
    source = ('import os\nfrom os import environ\nNAME = "APERTURA_X"\nos.environ.get("APERTURA_A")\n'
              'os.getenv(NAME)\nenviron["APERTURA_B"]\n"APERTURA_C" in os.environ\n'
              '{k: os.environ[k] for k in ("TZ",)}\nos.environ.get(name)\n{**os.environ}\n')
    path = tmp_path / "probe.py"
    path.write_text(source)
    found = environment_reads(path, {"NAME": "APERTURA_X"})
    assert sorted(found, key=lambda r: r[0]) == [
        (4, "APERTURA_A"), (5, "APERTURA_X"), (6, "APERTURA_B"), (7, "APERTURA_C"), (8, "TZ"), (9, None)]


def test_no_code_reads_the_environment_behind_the_registry():
    """An APERTURA_ variable read anywhere must be registered (or be one Apertura sets itself), and a registered
    setting is read from django.conf.settings, never from the environment again."""
    constants, problems = _module_constants(), []
    for path in _sources():
        where = path.relative_to(ROOT)
        for line, name in environment_reads(path, constants):
            if path in READERS or name in INTERNAL:
                continue
            if name is None:
                problems.append(f"{where}:{line} reads the environment by a computed name")
            elif name in BY_NAME or name in OLD_NAMES:
                problems.append(f"{where}:{line} reads {name} from the environment: use settings."
                                f"{BY_NAME[OLD_NAMES.get(name, name)].targets[0]}")
            elif name.startswith("APERTURA_"):
                problems.append(f"{where}:{line} reads {name}, which apertura/settings/registry.py does not declare")
    assert not problems, "\n".join(problems)


def test_no_code_reads_a_registered_setting_with_a_default_of_its_own():
    """getattr(settings, "X", default) would hide a setting missing from the registry behind a second default."""
    targets = {target for setting in REGISTRY for target in setting.targets}
    problems = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                    and len(node.args) == 3 and isinstance(node.args[0], ast.Name) and node.args[0].id == "settings"
                    and isinstance(node.args[1], ast.Constant)
                    and (node.args[1].value in targets or str(node.args[1].value).startswith("APERTURA_"))):
                problems.append(f"{path.relative_to(ROOT)}:{node.lineno} getattr(settings, {node.args[1].value!r}, …)")
    assert not problems, "\n".join(problems)


def test_every_apertura_variable_mentioned_is_a_setting():
    """Code, templates and docs name only settings that exist (a renamed or removed one is caught where it is
    still mentioned), and no longer the participation settings' old names."""
    known = set(BY_NAME) | set(INTERNAL) | {name for name in dir(django_settings) if name.startswith("APERTURA_")}
    files = [p for p in PACKAGE.rglob("*") if p.suffix in {".py", ".html", ".txt"} and "migrations" not in p.parts]
    files += [README, ROOT / "Makefile", *sorted((ROOT / "docs").rglob("*.md"))]
    problems = []
    for path in files:
        text = path.read_text()
        for found in re.finditer(r"APERTURA_[A-Z0-9_]+", text):
            token = found.group()
            if token.endswith("_") and any(name.startswith(token) for name in known):
                continue  # a family: APERTURA_DATASTORE_…
            if token not in known:
                problems.append(f"{path.relative_to(ROOT)}: {token}")
        if path not in (README, PACKAGE / "settings" / "registry.py"):
            problems += [f"{path.relative_to(ROOT)}: {m.group()} (now APERTURA_{m.group()})"
                         for m in re.finditer(r"(?<![A-Z_])PARTICIPATION_[A-Z_]+", text)]
    assert not problems, "Not settings: " + "; ".join(problems)
