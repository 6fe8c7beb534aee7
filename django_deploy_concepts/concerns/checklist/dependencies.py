"""Dependencies as deployed: does the requirements file install what the settings use, on a Python Django supports?

A platform installs what the requirements file (or Pipfile, or pyproject.toml and its lock) lists,
not what your virtual environment happens to hold. Files are read the way the installers read
them (packaging, tomllib), for a Linux deploy, and never executed.
Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/faq/install/
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Mapping
from pathlib import Path

import django
import packaging.requirements
from django.core.checks import CheckMessage, Error, Warning
from packaging.utils import canonicalize_name

from django_deploy_concepts import formats
from django_deploy_concepts.concerns.checklist import source
from django_deploy_concepts.concerns.wsgi.start_commands import project_start_commands
from django_deploy_concepts.context import MAX_FILE_BYTES, ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Finding, Step

WSGI_SERVERS = ("gunicorn", "uwsgi", "pyuwsgi", "waitress", "mod-wsgi", "granian", "uvicorn", "daphne", "hypercorn")
DRIVERS: Mapping[str, tuple[str, ...]] = {
    "postgresql": ("psycopg", "psycopg-binary", "psycopg-c", "psycopg2", "psycopg2-binary"),
    "mysql": ("mysqlclient", "pymysql"),
    "oracle": ("oracledb", "cx-oracle"),
}
DRIVER_SYMPTOMS = {
    "postgresql": "Error loading psycopg2 or psycopg module",
    "mysql": "Error loading MySQLdb module",
    "oracle": "Error loading oracledb module",
}
DRIVER_TO_ADD = {"postgresql": "psycopg[binary]", "mysql": "mysqlclient", "oracle": "oracledb"}
URL_SCHEMES = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "postgis": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mysqlgis": "mysql",
    "oracle": "oracle",
}
# Platforms that run the app with a WSGI server of their own.
OWN_WSGI_SERVER = frozenset({"pythonanywhere"})
WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
PRERELEASE = re.compile(r"\d(?:\.\d+)*\s*(?:a|b|c|rc|alpha|beta|pre|preview|\.?dev)\d*", re.IGNORECASE)
EGG = re.compile(r"#egg=(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")
PYTHON_VERSION = re.compile(r"(?:^|[^\d.])(?P<major>3)\.(?P<minor>\d{1,2})(?:\.\d+)?")
DOCKER_PYTHON = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(?:\S*/)?python:(?P<tag>\S+)", re.IGNORECASE | re.MULTILINE)
MAX_INCLUDE_DEPTH = 5
# Used when the installed Django's metadata cannot be read (a source checkout): from Django's FAQ.
KNOWN_PYTHON_RANGES: Mapping[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]] = {
    (5, 2): ((3, 10), (3, 14)),
    (6, 0): ((3, 12), (3, 14)),
    (6, 1): ((3, 12), (3, 14)),
}


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Requirement:
    name: str
    spec: str
    source: str


@dataclasses.dataclass(frozen=True)
class PythonPin:
    file: str
    version: str
    minor: tuple[int, int] | None


@dataclasses.dataclass(frozen=True)
class Facts:
    # The files the platform installs from, e.g. "requirements.txt" or "pyproject.toml, poetry.lock".
    manifest: str | None
    requirements: tuple[Requirement, ...]
    read_errors: tuple[str, ...]
    # Production servers named by a start command (Procfile, ...), e.g. ("gunicorn",).
    started_servers: tuple[str, ...]
    database_backends: tuple[str, ...]
    whitenoise_used_by: str | None
    dj_database_url_imported_at: str | None
    python_pins: tuple[PythonPin, ...]
    django_version: str
    django_python_min: tuple[int, int] | None
    django_python_max: tuple[int, int] | None
    platform: str
    platform_title: str

    @property
    def names(self) -> frozenset[str]:
        return frozenset(requirement.name for requirement in self.requirements)


def parse_requirement(text: str, where: str, errors: list[str] | None = None) -> Requirement | None:
    """A requirement as pip reads it, or None for one that installs nothing on Linux (a marker) or names
    no package (a path or URL without ``#egg=``). A line pip would refuse is added to ``errors``."""
    egg = EGG.search(text)
    if egg:
        return Requirement(canonicalize_name(egg["name"]), "", where)
    if "@" not in text and (text.startswith((".", "/", "~")) or "://" in text or text.endswith((".whl", ".zip", ".tar.gz"))):
        return None  # a path or URL without a name: nothing to compare with the settings
    try:
        requirement = packaging.requirements.Requirement(text)
    except packaging.requirements.InvalidRequirement as exc:
        if errors is not None and "://" not in text and "/" not in text:
            errors.append(f"{where}: {str(exc).splitlines()[0][:200]}")
        return None
    if not formats.on_linux(requirement.marker):
        return None
    return Requirement(canonicalize_name(requirement.name), written_spec(text, requirement), where)


def written_spec(text: str, requirement: packaging.requirements.Requirement) -> str:
    """The version specifier as written (``>=5.2,<6``), for the messages that quote it."""
    if requirement.url or not requirement.specifier:
        return ""
    rest = text.split(";", 1)[0].strip()[len(requirement.name) :].strip()
    if rest.startswith("["):
        rest = rest[rest.find("]") + 1 :]
    return rest.strip()[:100]


def requirements_file(path: Path, display: str, errors: list[str], depth: int = 0, seen: set[Path] | None = None) -> list[Requirement]:
    """A pip requirements file, following ``-r other.txt`` includes (constraints files list nothing to install)."""
    seen = set() if seen is None else seen
    try:
        resolved = path.resolve()
        if resolved in seen or depth > MAX_INCLUDE_DEPTH:
            return []
        seen.add(resolved)
        text = formats.read_text_file(path, MAX_FILE_BYTES)
    except OSError as exc:
        errors.append(f"cannot read {display}: {getattr(exc, 'strerror', None) or exc}")
        return []
    found: list[Requirement] = []
    for number, line in formats.pip_lines(text):
        include = re.match(r"^(?:-r|--requirement)(?:\s*|=)(?P<file>\S+)", line)
        if include:
            target = include["file"]
            if "://" in target:
                errors.append(f"{display}:{number}: -r {target} is a URL; not fetched")
                continue
            found += requirements_file(path.parent / target, f"{Path(display).parent / target}", errors, depth + 1, seen)
            continue
        editable = re.match(r"^(?:-e|--editable)(?:\s+|=)(?P<target>\S+)", line)
        if editable:
            line = editable["target"]
        elif line.startswith("-"):
            continue
        # Options after a requirement (--hash=..., --config-settings ...) are pip's, not the requirement's.
        words = line.split(" ")
        requirement = " ".join(itertools.takewhile(lambda word: not word.startswith("-"), words))
        parsed = parse_requirement(requirement, f"{display}:{number}", errors)
        if parsed is not None:
            found.append(parsed)
    return found


def toml_requirements(text: str, display: str) -> list[Requirement]:
    data = formats.read_toml(text)
    found: list[Requirement] = []
    project = data.get("project")
    if isinstance(project, Mapping):
        for item in project.get("dependencies") or ():
            requirement = parse_requirement(str(item), display)
            if requirement is not None:
                found.append(requirement)
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Mapping) else None
    tables = [poetry.get("dependencies")] if isinstance(poetry, Mapping) else []
    tables.append(data.get("packages"))  # Pipfile
    for table in tables:
        if isinstance(table, Mapping):
            found += [
                Requirement(canonicalize_name(name), spec if isinstance(spec, str) else "", display)
                for name, spec in table.items()
                if canonicalize_name(name) != "python" and (not isinstance(spec, Mapping) or formats.on_linux(spec.get("markers")))
            ]
    return found


def lock_requirements(name: str, text: str) -> list[Requirement]:
    if name == "Pipfile.lock":
        data = json.loads(text)
        default = data.get("default") if isinstance(data, Mapping) else None
        if not isinstance(default, Mapping):
            return []
        return [
            Requirement(canonicalize_name(package), str(info.get("version", "")) if isinstance(info, Mapping) else "", name)
            for package, info in default.items()
            if not isinstance(info, Mapping) or formats.on_linux(info.get("markers"))
        ]
    # poetry.lock and uv.lock: one [[package]] table per locked package.
    packages = formats.read_toml(text).get("package")
    return [
        Requirement(canonicalize_name(package["name"]), f"=={package.get('version', '')}", name)
        for package in (packages if isinstance(packages, list) else ())
        if isinstance(package, Mapping) and isinstance(package.get("name"), str)
    ]


MANIFEST_GROUPS = (("requirements.txt",), ("Pipfile", "Pipfile.lock"), ("pyproject.toml", "poetry.lock", "uv.lock"))


def read_manifest(context: ProjectContext) -> tuple[str | None, list[Requirement], list[str]]:
    """The requirements the platform installs: the first group of files present, read together."""
    errors: list[str] = []
    for group in MANIFEST_GROUPS:
        found: list[Requirement] = []
        used: list[str] = []
        for name in group:
            project_file = context.files.get(name)
            if project_file is None or project_file.is_dir:
                continue
            if project_file.text is None:
                errors.append(project_file.error or f"cannot read {name}")
                used.append(name)
                continue
            try:
                if name == "requirements.txt":
                    requirements = requirements_file(Path(project_file.path), name, errors)
                elif name.endswith(".lock"):
                    requirements = lock_requirements(name, project_file.text)
                else:
                    requirements = toml_requirements(project_file.text, name)
            except Exception as exc:  # noqa: BLE001 - a malformed file is a finding, never a crash
                errors.append(f"cannot parse {name}: {type(exc).__name__}: {str(exc)[:200]}")
                used.append(name)
                continue
            # A pyproject.toml without dependencies is a tool's configuration, not a manifest.
            if requirements or name != "pyproject.toml":
                used.append(name)
            found += requirements
        if used:
            return ", ".join(used), found, errors
    return None, [], errors


def python_pins(context: ProjectContext) -> tuple[PythonPin, ...]:
    pins: list[PythonPin] = []
    for name in ("runtime.txt", ".python-version"):
        project_file = context.files.get(name)
        if project_file is None or not project_file.text:
            continue
        text = next((line.strip() for line in project_file.text.splitlines() if line.strip() and not line.startswith("#")), "")
        pins.append(PythonPin(name, text[:40], minor_version(text)))
    dockerfile = context.files.get("Dockerfile")
    if dockerfile is not None and dockerfile.text:
        for match in DOCKER_PYTHON.finditer(dockerfile.text):
            pins.append(PythonPin("Dockerfile", f"python:{match['tag'][:30]}", minor_version(match["tag"])))
    return tuple(pins)


def minor_version(text: str) -> tuple[int, int] | None:
    match = PYTHON_VERSION.search(text)
    return (int(match["major"]), int(match["minor"])) if match else None


def supported_pythons() -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The Python versions the installed Django supports, from its own package metadata."""
    from importlib import metadata

    try:
        meta = metadata.metadata("django")
        classifiers = meta.get_all("Classifier") or []
        minors = sorted(
            version
            for classifier in classifiers
            if classifier.startswith("Programming Language :: Python :: 3.") and (version := minor_version(classifier))
        )
        requires = minor_version((meta.get_all("Requires-Python") or [""])[0])
    except Exception:  # noqa: BLE001 - no metadata: fall back to the known table
        minors, requires = [], None
    known = KNOWN_PYTHON_RANGES.get(django.VERSION[:2])
    low = requires or (minors[0] if minors else known[0] if known else None)
    high = minors[-1] if minors else known[1] if known else None
    return low, high


def started_servers(context: ProjectContext) -> tuple[str, ...]:
    try:
        start_commands = project_start_commands(context).commands
    except Exception:  # noqa: BLE001 - the WSGI concern reports its own failure
        return ()
    servers = (command.server for command in start_commands)
    return tuple(
        sorted({canonicalize_name(server) for server in servers if isinstance(server, str) and canonicalize_name(server) in WSGI_SERVERS})
    )


def database_backends(context: ProjectContext) -> tuple[str, ...]:
    backends: set[str] = set()
    databases = context.setting("DATABASES", {})
    for config in databases.values() if isinstance(databases, Mapping) else ():
        engine = str(config.get("ENGINE", "")) if isinstance(config, Mapping) else ""
        backends |= {
            backend
            for backend in DRIVERS
            if backend in engine or (backend == "postgresql" and ("postgis" in engine or "cockroach" in engine))
        }
    url = context.environ.get("DATABASE_URL", "")
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower() if "://" in url else ""
    if scheme in URL_SCHEMES:
        backends.add(URL_SCHEMES[scheme])
    return tuple(sorted(backends))


def whitenoise_used_by(context: ProjectContext) -> str | None:
    middleware = context.setting("MIDDLEWARE", [])
    if isinstance(middleware, (list, tuple)) and any(str(item).startswith("whitenoise.") for item in middleware):
        return "MIDDLEWARE"
    storages = context.setting("STORAGES", {})
    if isinstance(storages, Mapping):
        for entry in storages.values():
            if isinstance(entry, Mapping) and str(entry.get("BACKEND", "")).startswith("whitenoise."):
                return "STORAGES"
    return None


def collect(context: ProjectContext, parsed: tuple[source.ParsedSource, ...]) -> Facts:
    manifest, requirements, errors = read_manifest(context)
    imported_at = source.imports_module(parsed, "dj_database_url")
    low, high = supported_pythons()
    platform = context.platform_info
    return Facts(
        manifest=manifest,
        requirements=tuple(requirements),
        read_errors=tuple(errors),
        started_servers=started_servers(context),
        database_backends=database_backends(context),
        whitenoise_used_by=whitenoise_used_by(context),
        dj_database_url_imported_at=str(imported_at) if imported_at else None,
        python_pins=python_pins(context),
        django_version=django.get_version(),
        django_python_min=low,
        django_python_max=high,
        platform=platform.name,
        platform_title=platform.title,
    )


# Checks -------------------------------------------------------------------------------------------

W021 = Warning(
    "No requirements file: the platform cannot know what to install.",
    hint="Write requirements.txt at the project root (pip freeze > requirements.txt, then trim it).",
    id="deploy_checklist.W021",
)


def check_manifest_present(facts: Facts) -> list[CheckMessage]:
    return [W021] if facts.manifest is None and not facts.read_errors else []


def w022(error: str) -> Warning:
    return Warning(
        f"Dependencies could not be read: {error}",
        hint="Fix the file: the platform's installer will stumble on it too.",
        id="deploy_checklist.W022",
    )


def check_manifest_readable(facts: Facts) -> list[CheckMessage]:
    return [w022(error) for error in facts.read_errors]


def readable(facts: Facts) -> bool:
    return facts.manifest is not None and not facts.read_errors


def e023(facts: Facts) -> Error:
    started = [server for server in facts.started_servers if server not in facts.names]
    if started:
        return Error(
            f"{facts.manifest} does not list {started[0]}, which the start command runs.",
            hint=f"Add {started[0]} to {facts.manifest}, or the platform says '{started[0]}: command not found'.",
            id="deploy_checklist.E023",
        )
    return Error(
        f"{facts.manifest} lists no WSGI server such as gunicorn.",
        hint=f"Add gunicorn to {facts.manifest}; the platform installs only what it lists.",
        id="deploy_checklist.E023",
    )


def check_wsgi_server_declared(facts: Facts) -> list[CheckMessage]:
    if not readable(facts) or facts.platform in OWN_WSGI_SERVER:
        return []
    declared = facts.names & set(WSGI_SERVERS)
    if declared and all(server in facts.names for server in facts.started_servers):
        return []
    return [e023(facts)]


def e024(facts: Facts, backend: str) -> Error:
    return Error(
        f"{facts.manifest} lists no {backend} driver; Django cannot reach the database.",
        hint=f"Add {DRIVER_TO_ADD[backend]} to {facts.manifest}, or start-up fails with '{DRIVER_SYMPTOMS[backend]}'.",
        obj=backend,
        id="deploy_checklist.E024",
    )


def check_driver_declared(facts: Facts) -> list[CheckMessage]:
    if not readable(facts):
        return []
    return [e024(facts, backend) for backend in facts.database_backends if not facts.names & set(DRIVERS[backend])]


def e025(facts: Facts) -> Error:
    return Error(
        f"{facts.whitenoise_used_by} uses WhiteNoise, but {facts.manifest} does not list whitenoise.",
        hint=f"Add whitenoise to {facts.manifest}, or the app fails with No module named 'whitenoise'.",
        id="deploy_checklist.E025",
    )


def check_whitenoise_declared(facts: Facts) -> list[CheckMessage]:
    return [e025(facts)] if readable(facts) and facts.whitenoise_used_by and "whitenoise" not in facts.names else []


def e026(facts: Facts) -> Error:
    return Error(
        f"The settings import dj_database_url, but {facts.manifest} does not list it.",
        hint=f"Add dj-database-url to {facts.manifest}.",
        obj=facts.dj_database_url_imported_at,
        id="deploy_checklist.E026",
    )


def check_dj_database_url_declared(facts: Facts) -> list[CheckMessage]:
    return [e026(facts)] if readable(facts) and facts.dj_database_url_imported_at and "dj-database-url" not in facts.names else []


def w027(requirement: Requirement) -> Warning:
    return Warning(
        f"Django is pinned to a pre-release: Django{requirement.spec}.",
        hint="Pin a final release for production, such as Django>=5.2,<5.3.",
        obj=requirement.source,
        id="deploy_checklist.W027",
    )


def check_django_prerelease(facts: Facts) -> list[CheckMessage]:
    return [w027(requirement) for requirement in facts.requirements if requirement.name == "django" and PRERELEASE.search(requirement.spec)]


def version_text(version: tuple[int, int] | None) -> str:
    return "?" if version is None else f"{version[0]}.{version[1]}"


def e028(facts: Facts, pin: PythonPin) -> Error:
    return Error(
        f"{pin.file} asks for Python {version_text(pin.minor)}; Django {facts.django_version} needs {version_text(facts.django_python_min)}+.",
        hint=f"Ask for Python {version_text(facts.django_python_max)} in {pin.file}, or the install fails.",
        obj=pin.file,
        id="deploy_checklist.E028",
    )


def check_python_too_old(facts: Facts) -> list[CheckMessage]:
    low = facts.django_python_min
    return [e028(facts, pin) for pin in facts.python_pins if low and pin.minor and pin.minor < low]


def w029(facts: Facts, pin: PythonPin) -> Warning:
    return Warning(
        f"{pin.file} asks for Python {version_text(pin.minor)}; Django {facts.django_version} supports up to {version_text(facts.django_python_max)}.",
        hint=f"Ask for Python {version_text(facts.django_python_max)} in {pin.file}.",
        obj=pin.file,
        id="deploy_checklist.W029",
    )


def check_python_too_new(facts: Facts) -> list[CheckMessage]:
    high = facts.django_python_max
    return [w029(facts, pin) for pin in facts.python_pins if high and pin.minor and pin.minor > high]


CHECKS = (
    check_manifest_present,
    check_manifest_readable,
    check_wsgi_server_declared,
    check_driver_declared,
    check_whitenoise_declared,
    check_dj_database_url_declared,
    check_django_prerelease,
    check_python_too_old,
    check_python_too_new,
)


# Explanation --------------------------------------------------------------------------------------

DEPENDENCY_IDS = frozenset(
    {
        "deploy_checklist.W021",
        "deploy_checklist.W022",
        "deploy_checklist.E023",
        "deploy_checklist.E024",
        "deploy_checklist.E025",
        "deploy_checklist.E026",
        "deploy_checklist.W027",
    }
)
PYTHON_IDS = frozenset({"deploy_checklist.E028", "deploy_checklist.W029"})


def missing_packages(facts: Facts) -> list[str]:
    missing = []
    if facts.platform not in OWN_WSGI_SERVER and not facts.names & set(WSGI_SERVERS):
        missing.append("gunicorn")
    missing += [server for server in facts.started_servers if server not in facts.names and server not in missing]
    missing += [DRIVER_TO_ADD[backend] for backend in facts.database_backends if not facts.names & set(DRIVERS[backend])]
    if facts.whitenoise_used_by and "whitenoise" not in facts.names:
        missing.append("whitenoise")
    if facts.dj_database_url_imported_at and "dj-database-url" not in facts.names:
        missing.append("dj-database-url")
    return missing


def add_packages_code(manifest: str, packages: list[str]) -> tuple[str, str]:
    """The lines or command that add ``packages`` to the project's own kind of requirements file."""
    if not packages:
        return "", ""
    if manifest.startswith("requirements"):
        return "\n".join(packages), "text"
    command = (
        "poetry add"
        if "poetry.lock" in manifest
        else "uv add"
        if "uv.lock" in manifest
        else "pipenv install"
        if "Pipfile" in manifest
        else None
    )
    if command is None:
        return "[project]\ndependencies = [\n" + "".join(f'    "{package}",\n' for package in packages) + "]", "toml"
    return f"{command} {' '.join(packages)}", "shell"


def explain(facts: Facts, findings: tuple[Finding, ...], deployment: Plan) -> tuple[list[Fact], list[Step]]:
    ids = {finding.id for finding in findings}
    listed = ", ".join(sorted(facts.names)[:15]) + (", ..." if len(facts.names) > 15 else "")
    found = [
        Fact(
            "Dependencies read from",
            f"{facts.manifest}: {listed or 'nothing listed'}" if facts.manifest else "no requirements file",
            not ids & DEPENDENCY_IDS,
        ),
    ]
    supported = f"{version_text(facts.django_python_min)} to {version_text(facts.django_python_max)}"
    for pin in facts.python_pins:
        found.append(
            Fact(f"Python ({pin.file})", f"{pin.version}; Django {facts.django_version} supports {supported}", not ids & PYTHON_IDS)
        )
    steps: list[Step] = []
    if ids & DEPENDENCY_IDS:
        packages = list(deployment.missing_requirements) or missing_packages(facts)
        target = facts.manifest.split(",")[0] if facts.manifest else "requirements.txt"
        code, language = add_packages_code(facts.manifest or "requirements.txt", packages)
        steps.append(
            Step(
                f"List everything production needs in {target}.",
                f"{facts.platform_title if facts.platform != 'unknown' else 'The platform'} installs only what this file lists, "
                'not what your virtual environment holds: a missing package shows up as "ModuleNotFoundError" or '
                '"command not found" at start-up. Pin final releases of Django, never a pre-release, in production.'
                + (f" Add to {target}:" if packages else ""),
                code,
                language,
            )
        )
    if ids & PYTHON_IDS:
        version = version_text(facts.django_python_max)
        steps.append(
            Step(
                f"Ask the platform for a Python that Django {facts.django_version} supports ({supported}).",
                "The platform builds with the Python your version file names; pip then refuses a Django that does not "
                "support it, or installs one the Django team never tested.",
                f"echo {version} > .python-version",
                "shell",
            )
        )
    return found, steps
