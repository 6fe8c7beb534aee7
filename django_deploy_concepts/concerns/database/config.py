"""DATABASES as configured: each alias's engine, driver and connection lifetime, and the shape Django expects.

Docs: https://docs.djangoproject.com/en/stable/ref/settings/#databases
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.database.facts import Alias, Facts, Option
from django_deploy_concepts.helpers import as_text
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Step

# Django's "no database configured" engine, and the prefix it treats the same way.
MISSING_ENGINES = frozenset({"", "django.db.backends.", "django.db.backends.dummy"})
SQLITE = "sqlite"
POSTGRESQL = "postgresql"
ENGINE_VENDORS: Mapping[str, str] = {
    "django.db.backends.postgresql": POSTGRESQL,
    "django.contrib.gis.db.backends.postgis": POSTGRESQL,
    "django.db.backends.mysql": "mysql",
    "django.contrib.gis.db.backends.mysql": "mysql",
    "django.db.backends.sqlite3": SQLITE,
    "django.contrib.gis.db.backends.spatialite": SQLITE,
    "django.db.backends.oracle": "oracle",
    "django.contrib.gis.db.backends.oracle": "oracle",
}
# The modules each vendor's backend imports, in the order Django tries them, and what provides them.
DRIVERS: Mapping[str, tuple[tuple[str, ...], str]] = {
    POSTGRESQL: (("psycopg", "psycopg2"), "psycopg[binary]"),
    "mysql": (("MySQLdb",), "mysqlclient"),
    "oracle": (("oracledb",), "oracledb"),
    SQLITE: (("sqlite3",), "a Python built with sqlite3"),
}
LOCAL_HOSTS = frozenset({"", "localhost", "localhost.localdomain"})
MAX_OPTION_LENGTH = 80


# Facts --------------------------------------------------------------------------------------------


def vendor_of(engine: str) -> str | None:
    if engine in ENGINE_VENDORS:
        return ENGINE_VENDORS[engine]
    from django.db.utils import load_backend

    try:
        return str(load_backend(engine).DatabaseWrapper.vendor)
    except Exception:  # noqa: BLE001 - a backend that cannot load is reported by its driver or at connect
        return None


def importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a driver that is installed but broken (no libpq) counts as missing
        return False
    return True


def find_driver(vendor: str | None) -> tuple[tuple[str, ...], str | None, str | None]:
    """The driver modules a vendor needs, the first one that imports, and the package providing it."""
    if vendor is None or vendor not in DRIVERS:
        return (), None, None
    modules, package = DRIVERS[vendor]
    return modules, next((module for module in modules if importable(module)), None), package


def pool_problem(driver_module: str | None) -> str | None:
    if driver_module == "psycopg2":
        return "pooling needs psycopg 3, and psycopg2 is installed"
    if not importable("psycopg_pool"):
        return "psycopg_pool is not installed"
    return None


def is_local_host(host: str | None) -> bool:
    if host is None or host in LOCAL_HOSTS or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_conn_max_age(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return 0


def read_options(options: Mapping[Any, Any]) -> tuple[Option, ...]:
    shown = []
    for key, value in sorted(options.items(), key=lambda item: str(item[0])):
        name = str(key)
        # libpq's "options" string may carry a password too ("-c ... password=...").
        secret = masking.is_secret_name(name) or (name == "options" and "password" in str(value).lower())
        text = masking.MASK if secret else repr(value)
        shown.append(Option(name, text[:MAX_OPTION_LENGTH]))
    return tuple(shown)


def read_alias(alias: str, config: Mapping[Any, Any]) -> Alias:
    raw_engine = as_text(config.get("ENGINE")) or ""
    engine = None if raw_engine in MISSING_ENGINES else raw_engine
    vendor = vendor_of(engine) if engine else None
    modules, driver_module, package = find_driver(vendor)
    options = config.get("OPTIONS")
    options = options if isinstance(options, Mapping) else {}
    raw_host = as_text(config.get("HOST"))
    # "user:password@host" written into HOST: the password is never kept for display.
    host = None if raw_host is None else masking.mask_host(raw_host)
    pool = bool(options.get("pool")) and vendor == POSTGRESQL
    return Alias(
        alias=alias,
        engine=engine,
        vendor=vendor,
        name=as_text(config.get("NAME")),
        host=host,
        port=as_text(config.get("PORT")),
        user=as_text(config.get("USER")),
        password_set=bool(config.get("PASSWORD")),
        options=read_options(options),
        driver_modules=modules,
        driver_module=driver_module,
        driver_available=None if not modules else driver_module is not None,
        driver_package=package,
        conn_max_age=read_conn_max_age(config.get("CONN_MAX_AGE", 0)),
        conn_health_checks=bool(config.get("CONN_HEALTH_CHECKS", False)),
        pool=pool,
        pool_problem=pool_problem(driver_module) if pool and driver_module else None,
        remote=vendor not in (None, SQLITE) and not is_local_host(None if raw_host is None else raw_host.rpartition("@")[2]),
    )


def read_databases(databases: object) -> tuple[tuple[Alias, ...], tuple[str, ...]]:
    """Every alias Django would configure, and what about DATABASES' shape stops Django."""
    if not isinstance(databases, Mapping):
        return (), (f"DATABASES should be a dict, not {type(databases).__name__}",)
    aliases: list[Alias] = []
    errors: list[str] = []
    if databases and "default" not in databases:
        errors.append("You must define a 'default' database.")
    # Django turns an empty DATABASES into a 'default' alias with no engine.
    for alias, config in (databases or {"default": {}}).items():
        if isinstance(config, Mapping):
            aliases.append(read_alias(str(alias), config))
        else:
            errors.append(f"DATABASES[{alias!r}] should be a dict, not {type(config).__name__}")
    return tuple(aliases), tuple(errors)


# Checks -------------------------------------------------------------------------------------------


def e025(error: str) -> Error:
    return Error(
        f"DATABASES cannot be used: {error}",
        hint='Write it as DATABASES = {"default": {"ENGINE": ..., "NAME": ...}}, or use dj_database_url.config().',
        id="deploy_database.E025",
    )


def check_databases_shape(facts: Facts) -> list[CheckMessage]:
    return [e025(error) for error in facts.config_errors]


def e023(alias: str) -> Error:
    return Error(
        f"Database alias {alias!r} (from --database) is not in DATABASES.",
        hint="Pass one of the aliases your DATABASES setting defines.",
        obj=alias,
        id="deploy_database.E023",
    )


def check_requested_aliases(facts: Facts) -> list[CheckMessage]:
    return [e023(alias) for alias in facts.requested_missing]


def e005(alias: Alias, hint: str) -> Error:
    return Error(
        f"DATABASES[{alias.alias!r}] has no ENGINE: Django says 'Please supply the ENGINE value'.",
        hint=hint,
        obj=alias.alias,
        id="deploy_database.E005",
    )


def check_engine_set(facts: Facts) -> list[CheckMessage]:
    # A DATABASE_URL that parses but is not read is the cause; W003 names it.
    if facts.database_url.present and facts.database_url.error is None:
        return []
    if facts.database_url.present:
        hint = "DATABASE_URL is set but cannot be parsed (see E004), so nothing configures the database."
    elif facts.database_url.settings_read_it:
        hint = "DATABASE_URL is not set in this process: give dj_database_url.config() a default=, or set it."
    else:
        hint = 'Set ENGINE and NAME, e.g. "ENGINE": "django.db.backends.postgresql", or use dj_database_url.'
    return [e005(alias, hint) for alias in facts.aliases if alias.engine is None]


def e001(alias: Alias) -> Error:
    return Error(
        f"The driver for {alias.engine} ({' or '.join(alias.driver_modules)}) is not installed.",
        hint=f"pip install {alias.driver_package} and add it to your requirements.",
        obj=alias.alias,
        id="deploy_database.E001",
    )


def check_driver(facts: Facts) -> list[CheckMessage]:
    return [e001(alias) for alias in facts.aliases if alias.driver_available is False]


def i016(alias: Alias) -> Info:
    return Info(
        f"{alias.alias!r} connects to {alias.host} anew for each request (CONN_MAX_AGE = 0).",
        hint="Keep connections: CONN_MAX_AGE = 600 with CONN_HEALTH_CHECKS = True, or OPTIONS['pool'].",
        obj=alias.alias,
        id="deploy_database.I016",
    )


def check_connection_reuse(facts: Facts) -> list[CheckMessage]:
    return [i016(alias) for alias in facts.aliases if alias.remote and alias.conn_max_age == 0 and not alias.pool]


def w017(alias: Alias) -> Warning:
    age = "forever" if alias.conn_max_age is None else f"{alias.conn_max_age} s"
    return Warning(
        f"{alias.alias!r} keeps connections {age} without CONN_HEALTH_CHECKS.",
        hint="Set CONN_HEALTH_CHECKS = True so a connection the server closed is replaced, not used.",
        obj=alias.alias,
        id="deploy_database.W017",
    )


def check_health_checks(facts: Facts) -> list[CheckMessage]:
    return [
        w017(alias)
        for alias in facts.aliases
        if alias.vendor not in (None, SQLITE) and alias.conn_max_age != 0 and not alias.conn_health_checks and not alias.pool
    ]


def e018(alias: Alias) -> Error:
    age = "None" if alias.conn_max_age is None else alias.conn_max_age
    return Error(
        f"{alias.alias!r} sets OPTIONS['pool'] and CONN_MAX_AGE = {age}; Django refuses both.",
        hint='"Pooling doesn\'t support persistent connections.": set CONN_MAX_AGE = 0 with a pool.',
        obj=alias.alias,
        id="deploy_database.E018",
    )


def check_pool_with_persistent_connections(facts: Facts) -> list[CheckMessage]:
    return [e018(alias) for alias in facts.aliases if alias.pool and alias.conn_max_age != 0]


def e019(alias: Alias) -> Error:
    return Error(
        f"{alias.alias!r} sets OPTIONS['pool'], but {alias.pool_problem}.",
        hint="pip install 'psycopg[binary,pool]' and add it to your requirements.",
        obj=alias.alias,
        id="deploy_database.E019",
    )


def check_pool_available(facts: Facts) -> list[CheckMessage]:
    return [e019(alias) for alias in facts.aliases if alias.pool_problem]


# Explanation --------------------------------------------------------------------------------------


def describe(alias: Alias) -> str:
    """The alias as a user reads it: engine and where the data is; never the password."""
    if alias.engine is None:
        return "no ENGINE"
    where = alias.name or "(no NAME)"
    if alias.host:
        user = f"{alias.user}@" if alias.user else ""
        port = f":{alias.port}" if alias.port else ""
        where = f"{user}{alias.host}{port}/{alias.name or ''}"
    return f"{alias.engine}: {where}"


def lifetime(alias: Alias) -> str:
    if alias.pool:
        return "a connection pool (OPTIONS['pool'])"
    if alias.conn_max_age == 0:
        return "a new connection per request (CONN_MAX_AGE = 0)"
    age = "forever" if alias.conn_max_age is None else f"{alias.conn_max_age} s"
    checks = "with" if alias.conn_health_checks else "without"
    return f"kept {age}, {checks} health checks"


POOL_SNIPPET = """DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["OPTIONS"] = {"pool": True}  # needs psycopg[pool]; Django 5.1+"""

# Steps --------------------------------------------------------------------------------------------


def driver_steps(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step(
            f"Install the driver for {alias.engine}.",
            "And add it to your requirements.",
            f"python -m pip install '{alias.driver_package}'",
            "shell",
        )
        for alias in facts.aliases
        if alias.driver_available is False and alias.vendor != SQLITE
    ]


def connections_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Choose how connections live: kept per worker with health checks, or a pool (PostgreSQL, Django 5.1+).",
        "One or the other, not both: DATABASES as below keeps them (conn_max_age, conn_health_checks); a pool "
        'replaces that with OPTIONS {"pool": True}, after it:',
        f"{deployment.snippet('DATABASES')}\n\n# or, instead of keeping them:\n{POOL_SNIPPET}",
        "python",
    )


FIX_DRIVER = Fix(frozenset(), driver_steps)
FIX_CONNECTIONS = Fix(
    frozenset({"deploy_database.I016", "deploy_database.W017", "deploy_database.E018", "deploy_database.E019"}), connections_step
)
