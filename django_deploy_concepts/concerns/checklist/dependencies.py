"""Dependencies as deployed: does the requirements file install what the settings use, on a Python Django supports?

A platform installs what the requirements file (or Pipfile, or pyproject.toml and its lock) lists,
not what your virtual environment happens to hold. Files are read the way the installers read
them (packaging, tomllib), for a Linux deploy, and never executed.
Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/faq/install/
"""

from __future__ import annotations

import dataclasses
import importlib.machinery
import itertools
import json
import re
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path

import django
import packaging.requirements
from django.core.checks import CheckMessage, Error, Info, Warning
from packaging.utils import canonicalize_name

from django_deploy_concepts import formats, helpers
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist import source
from django_deploy_concepts.concerns.checklist.facts import DependencyFacts, ModuleUse, PythonPin, Requirement
from django_deploy_concepts.concerns.wsgi import commands
from django_deploy_concepts.concerns.wsgi.facts import DEVELOPMENT, PRODUCTION, BuildStep
from django_deploy_concepts.concerns.wsgi.platform_files import script_lines
from django_deploy_concepts.concerns.wsgi.start_commands import project_start_commands
from django_deploy_concepts.context import MAX_FILE_BYTES, ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

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
        real = resolved(path)
        if real in seen or depth > MAX_INCLUDE_DEPTH:
            return []
        seen.add(real)
        text = helpers.read_text_file(path, MAX_FILE_BYTES)
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


# What the build installs, by evidence ----------------------------------------------------------------

PIP = re.compile(r"^pip(?:3(?:\.\d+)?)?$")
# pip options that take a value: their value is not a requirement.
PIP_VALUED = frozenset(
    [
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--only-binary",
        "--no-binary",
        "--upgrade-strategy",
        "--progress-bar",
        "--src",
        "--cache-dir",
        "--python",
        "-w",
        "--wheel-dir",
        "--trusted-host",
        "--config-settings",
        "-C",
        "--global-option",
        "--log",
        "--report",
        "--exists-action",
        "--retries",
        "--timeout",
        "--proxy",
        "--cert",
        "--client-cert",
        "--use-feature",
        "--use-deprecated",
        "--group",
        "-p",
    ]
)
# Installers that install a project's own manifest and lock: the files they read.
PROJECT_INSTALLERS: Mapping[str, tuple[str, ...]] = {
    "uv": ("pyproject.toml", "uv.lock"),
    "poetry": ("pyproject.toml", "poetry.lock"),
    "pipenv": ("Pipfile", "Pipfile.lock"),
    "pdm": ("pyproject.toml",),
}
# Platforms that install the requirements file at the root themselves (a buildpack or its like).
INSTALLING_PLATFORMS = frozenset({"heroku", "render", "railway", "upsun", "appengine", "azure", "elasticbeanstalk", "digitalocean"})
# Hooks the platforms run at build time, found anywhere in the tree by their folder or name.
HOOK_FOLDERS = (".platform/hooks/", ".platform/confighooks/")
HOOK_FILES = frozenset({"bin/post_compile", "bin/pre_compile"})
DEVELOPMENT_WORDS = frozenset(
    {"dev", "develop", "development", "local", "test", "tests", "testing", "lint", "docs", "doc", "ci", "debug", "typing"}
)
MAX_HOOKS = 20
MAX_OTHER_FILES = 10


@dataclasses.dataclass(frozen=True)
class Installed:
    manifest: str | None
    requirements: list[Requirement]
    errors: list[str]
    evidence: list[str]
    # Declared, or installed by a production build step: the list is what production installs.
    complete: bool
    read: set[Path]
    # The platform installs the manifest by itself: complete unless other requirement files exist.
    platform_installs: bool = False


def install_targets(command: str) -> list[tuple[str, str]]:
    """What one build command installs: ("file", requirements file), ("package", requirement),
    ("project", a folder whose pyproject.toml is installed), ("group", an installer of PROJECT_INSTALLERS)."""
    found: list[tuple[str, str]] = []
    for segment in commands.segments(commands.shell_words(command)):
        words = list(segment)
        while words and (commands.ASSIGNMENT.match(words[0]) or words[0].startswith("--") or words[0] in ("exec", "sudo", "time")):
            words = words[1:]  # VAR=x, RUN --mount=..., exec
        if not words:
            continue
        program, rest = words[0].rsplit("/", 1)[-1], words[1:]
        if commands.PYTHON.match(program) and rest[:2] == ["-m", "pip"]:
            program, rest = "pip", rest[2:]
        if program == "uv" and rest[:1] == ["pip"]:
            program, rest = "pip", rest[1:]
        if PIP.match(program) and rest[:1] in (["install"], ["wheel"], ["sync"]):
            found += pip_targets(rest[1:], sync=rest[0] == "sync")
        elif program in PROJECT_INSTALLERS and rest[:1] in (["install"], ["sync"], ["export"]):
            found.append(("group", program))
    return found


def pip_targets(arguments: list[str], sync: bool) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    words = iter(arguments)
    for word in words:
        value: str | None = None
        if word in ("-r", "--requirement"):
            value = next(words, None)
            if value:
                found.append(("file", value))
            continue
        if word.startswith(("--requirement=", "-r")) and word not in ("-r",):
            found.append(("file", word.split("=", 1)[1] if word.startswith("--") else word[2:]))
            continue
        if word in ("-e", "--editable"):
            value = next(words, None)
        elif word.startswith("--editable="):
            value = word.split("=", 1)[1]
        elif word in PIP_VALUED:
            next(words, None)
            continue
        elif word.startswith("-"):
            continue
        else:
            value = word
        if not value:
            continue
        if sync:
            found.append(("file", value))
        elif EGG.search(value):
            found.append(("package", value))
        elif value in (".", "./") or (value.startswith(("./", "/", "..")) and not value.endswith((".whl", ".tar.gz", ".zip", "*"))):
            found.append(("project", value))
        elif "/" not in value and "*" not in value and not value.endswith((".whl", ".tar.gz", ".zip")):
            found.append(("package", value))
    return found


def hook_steps(context: ProjectContext) -> list[BuildStep]:
    """The lines of the platforms' build hooks (.platform/hooks on Elastic Beanstalk, bin/post_compile on Heroku)."""
    tree = context.tree()
    root = Path(tree.root)
    steps: list[BuildStep] = []
    hooks = [
        relative
        for relative in tree.files
        if any(f"/{folder}" in f"/{relative}" for folder in HOOK_FOLDERS) or any(f"/{relative}".endswith(f"/{name}") for name in HOOK_FILES)
    ][:MAX_HOOKS]
    for relative in hooks:
        steps += script_steps(root / relative, relative, context.base_dir)
    return steps


def script_steps(path: Path, display: str, working_dir: Path) -> list[BuildStep]:
    try:
        text = helpers.read_text_file(path, MAX_FILE_BYTES)
    except OSError:
        return []
    return [BuildStep(display, number, line, working_dir) for number, line, _ in script_lines(text)]


def build_steps(context: ProjectContext) -> list[BuildStep]:
    """The commands that build production: Dockerfile RUN lines, platform build commands and hooks, and the scripts they run."""
    try:
        steps = [step for step in project_start_commands(context).builds if step.role != DEVELOPMENT]
    except Exception:  # noqa: BLE001 - the WSGI concern reports its own failure
        steps = []
    steps += hook_steps(context)
    followed: list[BuildStep] = []
    for step in steps:
        for script in commands.analyse(step.command).scripts[:3]:
            path = step.local_file(script) if step.container_dir is not None else None
            path = path or (step.working_dir / script if step.working_dir is not None else context.base_dir / script)
            if path.is_file() and len(followed) < 200:
                followed += [
                    dataclasses.replace(found, role=step.role)
                    for found in script_steps(path, display_name(context, path), step.working_dir or context.base_dir)
                ]
    return steps + followed


def resolved(path: Path) -> Path:
    """``path.resolve()``, or ``path`` itself when it cannot be resolved (a symbolic link loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def inside(context: ProjectContext, path: Path) -> bool:
    real = resolved(path)
    return any(real == root or root in real.parents for root in context.search_roots)


def display_name(context: ProjectContext, path: Path) -> str:
    for root in context.search_roots:
        try:
            return resolved(path).relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)


def read_requirement_source(path: Path, display: str, errors: list[str], read: set[Path]) -> list[Requirement]:
    """Any kind of requirements source by its name: a pip file (with its includes), pyproject.toml, Pipfile, a lock file."""
    name = path.name
    if name.endswith((".txt", ".in")):
        return requirements_file(path, display, errors, seen=read)
    try:
        text = helpers.read_text_file(path, MAX_FILE_BYTES)
        read.add(resolved(path))
        if name.endswith(".lock"):
            return lock_requirements(name, text)
        return toml_requirements(text, display)
    except OSError as exc:
        errors.append(f"cannot read {display}: {getattr(exc, 'strerror', None) or exc}")
    except Exception as exc:  # noqa: BLE001 - a malformed file is a finding, never a crash
        errors.append(f"cannot parse {display}: {type(exc).__name__}: {str(exc)[:200]}")
    return []


def declared_requirements(context: ProjectContext) -> tuple[str, ...]:
    """DEPLOY_CONCEPTS['requirements'] (or --requirements): the files the build installs."""
    return context.target.requirements


def find_local(context: ProjectContext, name: str) -> Path | None:
    for root in context.search_roots:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def installed_requirements(context: ProjectContext) -> Installed:
    """What production installs: the declared files, else what the build files install (Dockerfile
    RUN lines, build commands and hooks) together with what the platform installs by itself."""
    errors: list[str] = []
    read: set[Path] = set()
    declared = declared_requirements(context)
    if declared:
        source = context.target.source("requirements")
        where = f"{source}['requirements']" if source == "DEPLOY_CONCEPTS" else source
        found: list[Requirement] = []
        for name in declared:
            path = find_local(context, name)
            if path is None:
                errors.append(f"cannot read {name}, declared in {where}: no such file")
                continue
            found += read_requirement_source(path, name, errors, read)
        return Installed(", ".join(declared), found, errors, [f"declared in {where}"], True, read)
    requirements: list[Requirement] = []
    evidence: list[str] = []
    files: list[str] = []
    steps = build_steps(context)
    # Render's buildCommand replaces its own pip install: what it runs is all that is installed.
    docker_installs = any(step.file.rsplit("/", 1)[-1] == "render.yaml" and step.role == PRODUCTION for step in steps)
    production_evidence = platform_installs = False
    for step in steps:
        targets = install_targets(step.command)
        if not targets:
            continue
        where = f"{step.file}:{step.line}"
        evidence.append(f"{where} {step.command[:100]}")
        # A production Dockerfile's RUN lines are all that its image installs.
        docker_installs = docker_installs or (step.container_dir is not None and step.role == PRODUCTION)
        production_evidence = production_evidence or step.role == PRODUCTION
        for kind, value in targets:
            names: list[str] = []
            if kind == "package":
                parsed = parse_requirement(value, where)
                if parsed is not None:
                    requirements.append(parsed)
                continue
            if kind == "file":
                names = [value]
            elif kind == "project":
                names = [f"{value.rstrip('/')}/pyproject.toml"]
            else:
                names = list(PROJECT_INSTALLERS[value])
            for name in names:
                path = step.local_file(name)
                if path is None and step.container_dir is None:
                    path = find_local(context, name)
                if path is not None and not inside(context, path):
                    path = None  # only the project's own files are read
                if path is None:
                    if "$" not in name and kind == "file":
                        errors.append(f"{where} installs {name}, which is not in the repository")
                    continue
                if resolved(path) in read:
                    continue
                display = display_name(context, path)
                files.append(display)
                requirements += read_requirement_source(path, display, errors, read)
    manifest = ", ".join(dict.fromkeys(files)) or None
    if not docker_installs:
        # The platform installs its manifest itself (Heroku, Elastic Beanstalk, ...), then runs the hooks.
        implicit, implicit_requirements, implicit_errors = read_manifest(context)
        errors += implicit_errors
        if implicit is not None:
            for name in implicit.split(", "):
                path = find_local(context, name)
                if path is not None:
                    read.add(resolved(path))
                    if name == "requirements.txt":
                        requirements_file(path, name, [], seen=read)  # to know its includes as read
            manifest = ", ".join(dict.fromkeys([implicit, *files]))
            requirements = implicit_requirements + requirements
            platform = context.platform_info
            if platform.name in INSTALLING_PLATFORMS:
                evidence.insert(0, f"{platform.title} installs {implicit}")
                platform_installs = True
    return Installed(manifest, requirements, errors, evidence, production_evidence, read, platform_installs)


def other_requirement_files(context: ProjectContext, read: set[Path]) -> list[tuple[str, Path]]:
    """Requirement files in the repository that nothing shows production installs, except development ones."""
    tree = context.tree()
    root = Path(tree.root)
    found: list[tuple[str, Path]] = []
    for relative in tree.files:
        lowered = relative.lower()
        if "requirement" not in lowered.rsplit("/", 1)[-1] or not lowered.endswith(".txt"):
            continue
        if set(re.split(r"[^a-z0-9]+", lowered)) & DEVELOPMENT_WORDS or "site-packages" in lowered:
            continue
        path = resolved(root / relative)
        if path not in read and path.is_file() and len(found) < MAX_OTHER_FILES:
            found.append((display_name(context, path), path))
    return found


# The modules the settings name ---------------------------------------------------------------------


def setting_modules(context: ProjectContext) -> list[tuple[str, str]]:
    """(setting, dotted path) of INSTALLED_APPS, MIDDLEWARE, the storage backends and the database engines."""
    found: list[tuple[str, str]] = []
    for name in ("INSTALLED_APPS", "MIDDLEWARE"):
        value = context.setting(name, [])
        if isinstance(value, (list, tuple)):
            found += [(name, item) for item in value if isinstance(item, str)]
    for name, key in (("STORAGES", "BACKEND"), ("DATABASES", "ENGINE")):
        value = context.setting(name, {})
        for alias, config in value.items() if isinstance(value, Mapping) else ():
            if isinstance(config, Mapping) and isinstance(config.get(key), str):
                found.append((f"{name}[{alias!r}]", config[key]))
    return found


def module_uses(context: ProjectContext) -> tuple[ModuleUse, ...]:
    """The settings' modules that an installed distribution provides (not the project's own code or the standard library)."""
    try:
        distributions = metadata.packages_distributions()
    except Exception:  # noqa: BLE001 - broken metadata: nothing can be mapped
        return ()
    uses: list[ModuleUse] = []
    local: dict[str, bool] = {}
    for setting, value in setting_modules(context):
        module = value.split(".", 1)[0]
        if not module.isidentifier() or module in sys.stdlib_module_names or module not in distributions:
            continue
        if module not in local:
            local[module] = importlib.machinery.PathFinder.find_spec(module, [str(context.base_dir)]) is not None
        if not local[module]:
            names = tuple(dict.fromkeys(canonicalize_name(name) for name in distributions[module]))
            uses.append(ModuleUse(setting, value, module, names))
    return tuple(uses)


def brought_by(names: Iterable[str]) -> tuple[frozenset[str], bool]:
    """The distributions that installing ``names`` brings (their dependencies, as installed here), and
    whether every one of them is installed here (else what they bring is not known)."""
    brought: set[str] = set()
    known = True
    pending = list(names)
    while pending and len(brought) < 1000:
        name = pending.pop()
        if name in brought:
            continue
        brought.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            known = False
            continue
        for text in requires:
            try:
                requirement = packaging.requirements.Requirement(text)
            except packaging.requirements.InvalidRequirement:
                continue
            if formats.on_linux(requirement.marker):
                pending.append(canonicalize_name(requirement.name))
    return frozenset(brought), known


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


def collect(context: ProjectContext, parsed: tuple[source.ParsedSource, ...]) -> DependencyFacts:
    installed = installed_requirements(context)
    manifest, requirements, errors = installed.manifest, installed.requirements, installed.errors
    others = other_requirement_files(context, installed.read)
    other_requirements: list[Requirement] = []
    for display, path in others:
        other_requirements += read_requirement_source(path, display, [], set())
    brought, brought_known = brought_by({requirement.name for requirement in requirements})
    imported_at = source.imports_module(parsed, "dj_database_url")
    low, high = supported_pythons()
    return DependencyFacts(
        manifest=manifest,
        requirements=tuple(requirements),
        read_errors=tuple(errors),
        installed_by=tuple(installed.evidence),
        # Other requirement files leave the list incomplete unless the evidence names what is installed.
        complete=installed.complete or (installed.platform_installs and not others),
        other_files=tuple(display for display, _ in others),
        other_requirements=tuple(other_requirements),
        modules=module_uses(context),
        brought=brought,
        brought_known=brought_known,
        started_servers=started_servers(context),
        database_backends=database_backends(context),
        whitenoise_used_by=whitenoise_used_by(context),
        dj_database_url_imported_at=str(imported_at) if imported_at else None,
        python_pins=python_pins(context),
        django_version=django.get_version(),
        django_python_min=low,
        django_python_max=high,
        platform=context.platform_info,
    )


# Checks -------------------------------------------------------------------------------------------

W021 = Warning(
    "No requirements file: the platform cannot know what to install.",
    hint="Write requirements.txt at the project root (pip freeze > requirements.txt, then trim it).",
    id="deploy_checklist.W021",
)


def check_manifest_present(facts: DependencyFacts) -> list[CheckMessage]:
    return [W021] if facts.manifest is None and not facts.read_errors else []


def w022(error: str) -> Warning:
    return Warning(
        f"Dependencies could not be read: {error}",
        hint="Fix the file: the platform's installer will stumble on it too.",
        id="deploy_checklist.W022",
    )


def check_manifest_readable(facts: DependencyFacts) -> list[CheckMessage]:
    return [w022(error) for error in facts.read_errors]


def readable(facts: DependencyFacts) -> bool:
    return facts.manifest is not None and not facts.read_errors


def e023(facts: DependencyFacts) -> Error:
    started = [server for server in facts.started_servers if facts.missing(server)]
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


def check_wsgi_server_declared(facts: DependencyFacts) -> list[CheckMessage]:
    if not readable(facts) or facts.platform.name in OWN_WSGI_SERVER:
        return []
    if any(facts.missing(server) for server in facts.started_servers):
        return [e023(facts)]
    return [e023(facts)] if not facts.started_servers and facts.missing(*WSGI_SERVERS) else []


def e024(facts: DependencyFacts, backend: str) -> Error:
    return Error(
        f"{facts.manifest} lists no {backend} driver; Django cannot reach the database.",
        hint=f"Add {DRIVER_TO_ADD[backend]} to {facts.manifest}, or start-up fails with '{DRIVER_SYMPTOMS[backend]}'.",
        obj=backend,
        id="deploy_checklist.E024",
    )


def check_driver_declared(facts: DependencyFacts) -> list[CheckMessage]:
    if not readable(facts):
        return []
    return [e024(facts, backend) for backend in facts.database_backends if facts.missing(*DRIVERS[backend])]


def e025(facts: DependencyFacts) -> Error:
    return Error(
        f"{facts.whitenoise_used_by} uses WhiteNoise, but {facts.manifest} does not list whitenoise.",
        hint=f"Add whitenoise to {facts.manifest}, or the app fails with No module named 'whitenoise'.",
        id="deploy_checklist.E025",
    )


def check_whitenoise_declared(facts: DependencyFacts) -> list[CheckMessage]:
    return [e025(facts)] if readable(facts) and facts.whitenoise_used_by and facts.missing("whitenoise") else []


def e026(facts: DependencyFacts) -> Error:
    return Error(
        f"The settings import dj_database_url, but {facts.manifest} does not list it.",
        hint=f"Add dj-database-url to {facts.manifest}.",
        obj=facts.dj_database_url_imported_at,
        id="deploy_checklist.E026",
    )


def check_dj_database_url_declared(facts: DependencyFacts) -> list[CheckMessage]:
    return [e026(facts)] if readable(facts) and facts.dj_database_url_imported_at and facts.missing("dj-database-url") else []


def w027(requirement: Requirement) -> Warning:
    return Warning(
        f"Django is pinned to a pre-release: Django{requirement.spec}.",
        hint="Pin a final release for production, such as Django>=5.2,<5.3.",
        obj=requirement.source,
        id="deploy_checklist.W027",
    )


def check_django_prerelease(facts: DependencyFacts) -> list[CheckMessage]:
    return [w027(requirement) for requirement in facts.requirements if requirement.name == "django" and PRERELEASE.search(requirement.spec)]


def version_text(version: tuple[int, int] | None) -> str:
    return "?" if version is None else f"{version[0]}.{version[1]}"


def e028(facts: DependencyFacts, pin: PythonPin) -> Error:
    return Error(
        f"{pin.file} asks for Python {version_text(pin.minor)}; Django {facts.django_version} needs {version_text(facts.django_python_min)}+.",
        hint=f"Ask for Python {version_text(facts.django_python_max)} in {pin.file}, or the install fails.",
        obj=pin.file,
        id="deploy_checklist.E028",
    )


def check_python_too_old(facts: DependencyFacts) -> list[CheckMessage]:
    low = facts.django_python_min
    return [e028(facts, pin) for pin in facts.python_pins if low and pin.minor and pin.minor < low]


def w029(facts: DependencyFacts, pin: PythonPin) -> Warning:
    return Warning(
        f"{pin.file} asks for Python {version_text(pin.minor)}; Django {facts.django_version} supports up to {version_text(facts.django_python_max)}.",
        hint=f"Ask for Python {version_text(facts.django_python_max)} in {pin.file}.",
        obj=pin.file,
        id="deploy_checklist.W029",
    )


def check_python_too_new(facts: DependencyFacts) -> list[CheckMessage]:
    high = facts.django_python_max
    return [w029(facts, pin) for pin in facts.python_pins if high and pin.minor and pin.minor > high]


def i034(facts: DependencyFacts) -> Info:
    listed = ", ".join(repr(name) for name in (*(facts.manifest or "requirements.txt").split(", "), *facts.other_files))
    return Info(
        f"Production may install {', '.join(facts.other_files)} besides {facts.manifest or 'no file found'}: not known here.",
        hint=f"Declare what the build installs: DEPLOY_CONCEPTS = {{'requirements': [{listed}]}}.",
        id="deploy_checklist.I034",
    )


def check_requirements_known(facts: DependencyFacts) -> list[CheckMessage]:
    return [i034(facts)] if facts.other_files and not facts.complete else []


def unlisted(facts: DependencyFacts) -> list[ModuleUse]:
    """The settings' modules whose distribution nothing production installs provides (WhiteNoise is E025's)."""
    if not readable(facts):
        return []
    have = facts.names | facts.brought
    elsewhere = {requirement.name for requirement in facts.other_requirements}
    return [
        use
        for use in facts.modules
        if not set(use.distributions) & have
        and not (use.module == "whitenoise" and facts.whitenoise_used_by)
        and (facts.complete or not set(use.distributions) & elsewhere)
    ]


def certain(facts: DependencyFacts) -> bool:
    return facts.complete and facts.brought_known


DEVELOPMENT_APP_FIX = "or keep a development-only app out of production settings (a local settings module, or add it only when DEBUG)"


def e035(facts: DependencyFacts, use: ModuleUse) -> Error:
    return Error(
        f"{use.setting} names {use.value}, but {facts.manifest} does not install {use.distributions[0]}.",
        hint=f"Add {use.distributions[0]} to {facts.manifest}, {DEVELOPMENT_APP_FIX}; else No module named '{use.module}'.",
        obj=use.value,
        id="deploy_checklist.E035",
    )


def check_modules_installed(facts: DependencyFacts) -> list[CheckMessage]:
    return [e035(facts, use) for use in unlisted(facts)] if certain(facts) else []


def w036(facts: DependencyFacts, use: ModuleUse) -> Warning:
    assumption = (
        "if production installs only what it lists"
        if not facts.complete
        else "unless a listed package brings it (not all are installed here to tell)"
    )
    return Warning(
        f"{use.setting} names {use.value}; {facts.manifest} does not list {use.distributions[0]} ({assumption}).",
        hint=f"Add {use.distributions[0]} to {facts.manifest}, {DEVELOPMENT_APP_FIX}; else No module named '{use.module}'.",
        obj=use.value,
        id="deploy_checklist.W036",
    )


def check_modules_may_be_missing(facts: DependencyFacts) -> list[CheckMessage]:
    return [] if certain(facts) else [w036(facts, use) for use in unlisted(facts)]


CHECKS = (
    check_manifest_present,
    check_requirements_known,
    check_modules_installed,
    check_modules_may_be_missing,
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
        "deploy_checklist.I034",
        "deploy_checklist.E035",
        "deploy_checklist.W036",
    }
)
PYTHON_IDS = frozenset({"deploy_checklist.E028", "deploy_checklist.W029"})


# Apps usually meant for development only: the fix is to keep them out of production settings.
DEVELOPMENT_APPS = frozenset({"django_deploy_concepts", "debug_toolbar", "django_extensions", "silk", "django_browser_reload", "nplusone"})


def missing_packages(facts: DependencyFacts) -> list[str]:
    missing = []
    if facts.platform.name not in OWN_WSGI_SERVER and not facts.started_servers and facts.missing(*WSGI_SERVERS):
        missing.append("gunicorn")
    missing += [server for server in facts.started_servers if facts.missing(server) and server not in missing]
    missing += [DRIVER_TO_ADD[backend] for backend in facts.database_backends if facts.missing(*DRIVERS[backend])]
    if facts.whitenoise_used_by and facts.missing("whitenoise"):
        missing.append("whitenoise")
    if facts.dj_database_url_imported_at and facts.missing("dj-database-url"):
        missing.append("dj-database-url")
    missing += [use.distributions[0] for use in unlisted(facts) if use.module not in DEVELOPMENT_APPS]
    return list(dict.fromkeys(missing))


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


def python_range(facts: DependencyFacts) -> str:
    return f"{version_text(facts.django_python_min)} to {version_text(facts.django_python_max)}"


def found(facts: DependencyFacts, ids: Collection[str]) -> list[Fact]:
    listed = ", ".join(sorted(facts.names)[:15]) + (", ..." if len(facts.names) > 15 else "")
    evidence = f" ({'; '.join(facts.installed_by)})" if facts.installed_by else " (assumed: nothing shows what the build installs)"
    found_facts = [
        Fact(
            "Dependencies read from",
            f"{facts.manifest}{evidence}: {listed or 'nothing listed'}" if facts.manifest else "no requirements file",
            DEPENDENCY_IDS.isdisjoint(ids),
        ),
    ]
    if facts.other_files and not facts.complete:
        found_facts.append(Fact("Requirement files production may install too", ", ".join(facts.other_files), None))
    for pin in facts.python_pins:
        found_facts.append(
            Fact(
                f"Python ({pin.file})",
                f"{pin.version}; Django {facts.django_version} supports {python_range(facts)}",
                PYTHON_IDS.isdisjoint(ids),
            )
        )
    return found_facts


def requirements_step(facts: DependencyFacts, deployment: Plan) -> Iterator[Step]:
    packages = list(deployment.missing_requirements) or missing_packages(facts)
    target = facts.manifest.split(",")[0] if facts.manifest else "requirements.txt"
    code, language = add_packages_code(facts.manifest or "requirements.txt", packages)
    yield Step(
        f"List everything production needs in {target}.",
        f"{facts.platform.title if facts.platform.name != 'unknown' else 'The platform'} installs only what this file lists, "
        'not what your virtual environment holds: a missing package shows up as "ModuleNotFoundError" or '
        '"command not found" at start-up. Pin final releases of Django, never a pre-release, in production.'
        + (f" Add to {target}:" if packages else ""),
        code,
        language,
    )


def development_apps_step(facts: DependencyFacts, deployment: Plan) -> Iterator[Step]:
    development = sorted({use.value for use in unlisted(facts) if use.module in DEVELOPMENT_APPS})
    if not development:
        return
    apps = ", ".join(json.dumps(app) for app in development)
    yield Step(
        f"Keep {', '.join(development)} out of production settings.",
        "A development-only app in INSTALLED_APPS makes the production install fail with "
        f"\"ModuleNotFoundError: No module named '{development[0].split('.')[0]}'\". Add it in a local settings "
        "module that production does not load, or only when DEBUG is on (or list it in the requirements).",
        f"# settings/local.py (development only)\nfrom .base import *\n\nINSTALLED_APPS += [{apps}]\n\n"
        f"# or, in a single settings module:\nif DEBUG:\n    INSTALLED_APPS += [{apps}]",
        "python",
    )


def declare_files_step(facts: DependencyFacts, deployment: Plan) -> Iterator[Step]:
    declared = ", ".join(json.dumps(name) for name in (*(facts.manifest or "requirements.txt").split(", "), *facts.other_files))
    yield Step(
        "Declare which requirement files the build installs.",
        f"Nothing in the repository shows whether production installs {', '.join(facts.other_files)}: "
        "the dependency checks assume it does not. Keep in the list only the files your build installs.",
        f'DEPLOY_CONCEPTS = {{"requirements": [{declared}]}}',
        "python",
    )


def python_version_step(facts: DependencyFacts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        f"Ask the platform for a Python that Django {facts.django_version} supports ({python_range(facts)}).",
        "The platform builds with the Python your version file names; pip then refuses a Django that does not "
        "support it, or installs one the Django team never tested.",
        f"echo {version_text(facts.django_python_max)} > .python-version",
        "shell",
    )


FIXES = (
    Fix(DEPENDENCY_IDS, requirements_step),
    Fix(frozenset({"deploy_checklist.E035", "deploy_checklist.W036"}), development_apps_step),
    Fix(frozenset({"deploy_checklist.I034"}), declare_files_step),
    Fix(PYTHON_IDS, python_version_step),
)
