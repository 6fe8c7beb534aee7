"""What every concern shares, built once per run: base directory, platform, project files, settings."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from django.conf import settings

from django_deploy_concepts import masking, platforms
from django_deploy_concepts.helpers import describe_exception
from django_deploy_concepts.target import Target, get_target

# Project files that build nothing (Python version, dependency lists, ignore files).
NOT_BUILD_FILES = (
    "runtime.txt",
    ".python-version",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    ".gitignore",
    ".dockerignore",
)
# Files that say how a project is built, started and hosted, looked for at the project root and
# at the repository root. Read once, bounded in size.
PROJECT_FILES: tuple[str, ...] = (
    "Procfile",
    "Dockerfile",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yaml",
    "compose.yml",
    "fly.toml",
    "render.yaml",
    "railway.json",
    "railway.toml",
    "app.yaml",
    "app.json",
    ".platform.app.yaml",
    ".upsun/config.yaml",
    ".do/app.yaml",
    ".do/deploy.template.yaml",
    "nixpacks.toml",
    "gunicorn.conf.py",
    *NOT_BUILD_FILES,
    ".ebextensions",
    ".elasticbeanstalk",
    # A web server or service configuration kept with the project points to a plain server.
    "nginx.conf",
    "Caddyfile",
    "gunicorn.socket",
    "gunicorn.service",
)
MAX_FILE_BYTES = 1024 * 1024
# Directories the project tree listing never enters: VCS data, environments, dependencies.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site-packages",
    }
)
MAX_TREE_ENTRIES = 20_000


@dataclasses.dataclass(frozen=True)
class ProjectFile:
    """A file found at the project or repository root; ``text`` is None when it could not be read."""

    path: str
    relative_path: str
    is_dir: bool = False
    text: str | None = None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class SettingError:
    name: str
    error: str


@dataclasses.dataclass(frozen=True)
class ProjectTree:
    """Paths of the files under the outermost search root, relative to it, listed once and bounded."""

    root: str
    files: tuple[str, ...]
    truncated: bool
    errors: tuple[str, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class ProjectContext:
    base_dir: Path
    base_dir_source: str
    repository_root: Path | None
    settings_module: str
    platform: platforms.Detection
    files: Mapping[str, ProjectFile]
    environ: Mapping[str, str]
    # Database aliases a concern may connect to; empty means open no connection at all.
    databases: tuple[str, ...] = ()
    # Bound, in seconds, on each network operation (database connect, HTTP probe).
    timeout: float = 5.0
    # What the user declared in DEPLOY_CONCEPTS, with the command-line options applied.
    target: Target = dataclasses.field(default_factory=Target)
    _cache: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def platform_info(self) -> platforms.Platform:
        return platforms.PLATFORMS_BY_NAME[self.platform.platform]

    @property
    def search_roots(self) -> tuple[Path, ...]:
        roots = [self.base_dir]
        if self.repository_root is not None and self.repository_root != self.base_dir:
            roots.append(self.repository_root)
        return tuple(roots)

    def setting(self, name: str, default: Any = None) -> Any:
        """A setting's value, or ``default`` when it is unset or reading it fails.

        Reading a setting can raise (an empty SECRET_KEY does, lazily); such errors are kept
        in ``setting_errors`` so a concern can report them instead of crashing.
        """
        try:
            # Reading a deprecated setting warns; the concern reports it, the reader should not print.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return getattr(settings, name, default)
        except Exception as exc:  # noqa: BLE001 - any error becomes a finding, never a traceback
            self._cache.setdefault("setting_errors", {})[name] = describe_exception(exc)
            return default

    def has_setting(self, name: str) -> bool:
        """True when the project's settings define ``name`` themselves (not Django's default)."""
        try:
            return bool(cast(Any, settings).is_overridden(name))
        except Exception:  # noqa: BLE001
            return False

    @property
    def setting_errors(self) -> tuple[SettingError, ...]:
        errors = self._cache.get("setting_errors", {})
        return tuple(SettingError(name, error) for name, error in sorted(errors.items()))

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Compute something once per run and share it (facts, the project tree, ...)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def facts_for(self, concern_name: str) -> Any:
        """The facts of a concern, collected at most once per run, shared by every consumer."""
        from django_deploy_concepts.concerns import get_concern

        concern = get_concern(concern_name)
        return self.memo(f"facts:{concern_name}", lambda: concern.collect_facts(self))

    def tree(self) -> ProjectTree:
        return self.memo("tree", lambda: list_tree(self.repository_root or self.base_dir))  # type: ignore[no-any-return]

    def known_secrets(self) -> frozenset[str]:
        """``masking.known_secrets`` for this run's environment, gathered once (it reads every setting)."""
        return self.memo("known_secrets", lambda: masking.known_secrets(self.environ))  # type: ignore[no-any-return]

    def build_files(self) -> Mapping[str, str]:
        """Text of the files that build, release or start the project (platform files, Dockerfiles,
        shell scripts, Makefile, CI workflows), by relative path; read once, bounded."""
        return self.memo("build_files", lambda: read_build_files(self))  # type: ignore[no-any-return]

    def runs_command(self, command: str) -> str | None:
        """ "file:line" of the first build file that runs ``manage.py <command>``, or None."""
        pattern = re.compile(
            rf"""(?:manage\.py|django-admin)\b[^\n]*?\s{re.escape(command)}\b|call_command\(\s*["']{re.escape(command)}["']""",
            re.IGNORECASE,
        )
        for name, text in self.build_files().items():
            match = pattern.search(text)
            if match:
                return f"{name}:{text.count(chr(10), 0, match.start()) + 1}"
        return None

    def settings_sources(self) -> Mapping[str, str]:
        """Source text of the settings module and its sibling modules, by path."""
        return self.memo("settings_sources", lambda: read_settings_sources(self.settings_module))  # type: ignore[no-any-return]


# Build files beyond PROJECT_FILES: found by name in the project tree.
BUILD_FILE_NAMES = frozenset({"makefile", "justfile", "taskfile.yml", "post_compile", "pre_compile", "release", "build"})
BUILD_FILE_ENDINGS = (".sh", ".bash")
MAX_BUILD_FILES = 40


def is_build_file(relative_path: str) -> bool:
    parts = [part.lower() for part in relative_path.replace("\\", "/").split("/")]
    name = parts[-1]
    if name in BUILD_FILE_NAMES or name.endswith(BUILD_FILE_ENDINGS) or name.startswith("dockerfile"):
        return True
    return len(parts) >= 3 and parts[0] == ".github" and parts[1] == "workflows"


def read_build_files(context: ProjectContext) -> dict[str, str]:
    texts = {
        name: project_file.text
        for name, project_file in context.files.items()
        if project_file.text is not None and name not in NOT_BUILD_FILES
    }
    tree = context.tree()
    for relative_path in tree.files:
        if len(texts) >= MAX_BUILD_FILES:
            break
        name = relative_path.replace("\\", "/")
        if name in texts or not is_build_file(name):
            continue
        project_file = read_project_file(Path(tree.root), relative_path)
        if project_file is not None and project_file.text is not None:
            texts[name] = project_file.text
    return texts


def find_base_dir() -> tuple[Path, str]:
    try:
        base_dir = getattr(settings, "BASE_DIR", None)
    except Exception:  # noqa: BLE001
        base_dir = None
    if isinstance(base_dir, (str, os.PathLike)):
        path = Path(base_dir)
        if path.is_dir():
            return path.resolve(), "settings.BASE_DIR"
    module = sys.modules.get(os.environ.get("DJANGO_SETTINGS_MODULE", "") or "")
    module_file = getattr(module, "__file__", None)
    if module_file:
        depth = len(module.__name__.split("."))  # type: ignore[union-attr]
        path = Path(module_file).resolve()
        parents = path.parents
        if depth < len(parents):
            return parents[depth - 1], "the settings module's location"
    return Path.cwd().resolve(), "the current directory"


def find_repository_root(start: Path) -> Path | None:
    for candidate in (start, *list(start.parents)[:3]):
        try:
            if (candidate / ".git").exists():
                return candidate
        except OSError:
            return None
    return None


def read_project_file(root: Path, relative_path: str) -> ProjectFile | None:
    path = root / relative_path
    try:
        if path.is_dir():
            return ProjectFile(str(path), relative_path, is_dir=True)
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return ProjectFile(str(path), relative_path, error=f"cannot read {relative_path}: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        return ProjectFile(str(path), relative_path, error=f"{relative_path} is larger than {MAX_FILE_BYTES} bytes; not read")
    return ProjectFile(str(path), relative_path, text=data.decode("utf-8", errors="replace"))


def read_project_files(roots: tuple[Path, ...]) -> dict[str, ProjectFile]:
    found: dict[str, ProjectFile] = {}
    for relative_path in PROJECT_FILES:
        for root in roots:
            project_file = read_project_file(root, relative_path)
            if project_file is not None:
                found[relative_path] = project_file
                break
    return found


def list_tree(root: Path) -> ProjectTree:
    """Every file under ``root``, relative to it; symbolic links to directories are not followed.

    The order is ``os.walk``'s (top-down; each directory's files, sorted, before its sorted
    sub-directories), so the bound cuts the same files. Relative paths are built by joining the
    names on the way down: ``os.path.relpath`` per file cost more than the listing itself.
    """
    files: list[str] = []
    errors: list[str] = []
    # (directory, its path relative to root followed by a separator, or "" for root itself)
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    while pending:
        directory, prefix = pending.pop()
        filenames: list[str] = []
        subdirectories: list[tuple[str, str]] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        filenames.append(entry.name)
                    elif entry.name not in SKIPPED_DIRS and not entry.name.endswith(".egg-info") and not entry.is_symlink():
                        subdirectories.append((entry.name, entry.path))
        except OSError as error:
            errors.append(f"cannot list {error.filename}: {error.strerror}")
            continue
        filenames.sort()
        room = MAX_TREE_ENTRIES - len(files)
        if len(filenames) >= room:
            files.extend(prefix + name for name in filenames[:room])
            return ProjectTree(str(root), tuple(files), True, tuple(errors))
        files.extend(prefix + name for name in filenames)
        # Pushed last first, so that the first sub-directory (in sorted order) is listed next.
        for name, path in sorted(subdirectories, reverse=True):
            pending.append((path, prefix + name + os.sep))
    return ProjectTree(str(root), tuple(files), False, tuple(errors))


def read_settings_sources(settings_module: str) -> dict[str, str]:
    module = sys.modules.get(settings_module)
    module_file = getattr(module, "__file__", None)
    if not module_file:
        return {}
    paths = [Path(module_file)]
    # A settings package (settings/base.py, settings/production.py) is read whole.
    if paths[0].name == "__init__.py" or paths[0].parent.name == "settings":
        paths = sorted(paths[0].parent.glob("*.py"))
    sources: dict[str, str] = {}
    for path in paths[:20]:
        # A module present only as compiled bytecode (.pyc) has no source to read.
        if path.suffix != ".py":
            continue
        try:
            sources[str(path)] = path.read_text(encoding="utf-8", errors="replace")[:MAX_FILE_BYTES]
        except OSError:
            continue
    return sources


def build_context(
    *,
    databases: tuple[str, ...] = (),
    platform: str | None = None,
    timeout: float = 5.0,
    environ: Mapping[str, str] | None = None,
    target: Target | None = None,
) -> ProjectContext:
    """The context of one run; ``target`` defaults to DEPLOY_CONCEPTS, ``platform`` (--platform) overrides its platform."""
    environ = dict(os.environ if environ is None else environ)
    if target is None:
        target = get_target()
    base_dir, base_dir_source = find_base_dir()
    repository_root = find_repository_root(base_dir)
    roots = (base_dir,) if repository_root is None or repository_root == base_dir else (base_dir, repository_root)
    files = read_project_files(roots)
    detection = platforms.detect(environ, tuple(files), override=platform or target.platform)
    if not platform and target.platform:
        detection = dataclasses.replace(detection, evidence=(f"declared in {target.source('platform')}",))
    return ProjectContext(
        base_dir=base_dir,
        base_dir_source=base_dir_source,
        repository_root=repository_root,
        settings_module=str(getattr(settings, "SETTINGS_MODULE", "") or environ.get("DJANGO_SETTINGS_MODULE", "")),
        platform=detection,
        files=files,
        environ=environ,
        databases=databases,
        timeout=timeout,
        target=target,
    )
