"""The WSGI concern's facts: start commands, servers, gunicorn's checks and the loaded applications.

A leaf: dataclasses and constants only.
"""

from __future__ import annotations

import dataclasses
import posixpath
from pathlib import Path

from django_deploy_concepts.platforms import Platform

# Which files are production's, by evidence: a platform file, the file the platform builds from,
# a file named for production; or development's: a file named for it, a service mounting the source.
PRODUCTION = "production"
DEVELOPMENT = "development"
UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class StartFile:
    path: str
    kind: str
    commands: int
    error: str | None = None
    # Whether it is production's: "production", "development" or "unknown", and the evidence.
    role: str = PRODUCTION
    role_reason: str = ""
    # A production Dockerfile with no CMD or ENTRYPOINT: its final FROM line and image.
    missing_start: tuple[int, str] | None = None


@dataclasses.dataclass(frozen=True)
class FlyService:
    """What fly.toml says about where Fly's proxy sends requests."""

    internal_port: int | None
    line: int | None


@dataclasses.dataclass(frozen=True)
class BuildStep:
    """A command the build runs (a Dockerfile RUN, a platform build hook), for what it installs."""

    file: str
    line: int
    command: str
    # Local directory the command runs in, when known.
    working_dir: Path | None
    role: str = PRODUCTION
    # A Dockerfile's copies so far, (local path, container path), to find the files a RUN line names.
    copies: tuple[tuple[str, str], ...] = ()
    # The WORKDIR of a Dockerfile's RUN line (a path in the image).
    container_dir: str | None = None

    def local_file(self, name: str) -> Path | None:
        """The local file that ``name``, as this command sees it, is; None when it cannot be known."""
        if self.container_dir is None:
            if self.working_dir is None or name.startswith(("/", "$", "~")):
                return None
            candidate = (self.working_dir / name).resolve()
            return candidate if candidate.is_file() else None
        target = posixpath.normpath(posixpath.join(self.container_dir, name))
        for local_text, destination in reversed(self.copies):
            local = Path(local_text)
            if local.is_file() and target in (destination, posixpath.join(destination, local.name)):
                return local
            if local.is_dir() and target.startswith(destination.rstrip("/") + "/"):
                candidate = (local / posixpath.relpath(target, destination)).resolve()
                if candidate.is_file():
                    return candidate
        return None


@dataclasses.dataclass(frozen=True)
class GunicornCheck:
    """One run of ``gunicorn --check-config``: the start command it stands for and what happened."""

    source: str
    file: str
    line: int | None
    command_line: str
    cwd: str
    # True: the configuration and the application load; False: gunicorn would stop; None: not known.
    loads: bool | None
    # "ok", "config" (configuration or command line rejected), "application", "timeout", "error".
    stage: str
    error: str | None
    bind: tuple[str, ...] = ()
    workers: int | None = None
    worker_class: str | None = None
    threads: int | None = None
    timeout: int | None = None
    forwarded_allow_ips: tuple[str, ...] = ()
    config_file: str | None = None
    # The printed bind contains the port announced in $PORT.
    binds_to_port_env: bool | None = None


@dataclasses.dataclass(frozen=True)
class Cpus:
    os_count: int | None
    # CPUs this process may run on (sched_getaffinity), None where the OS does not say.
    affinity: int | None
    # The container's CPU quota in cores (cgroup cpu.max), None when there is none.
    cgroup_quota: float | None
    usable: int
    recommended_workers: int


@dataclasses.dataclass(frozen=True)
class GunicornFacts:
    version: str | None
    checks: tuple[GunicornCheck, ...]
    # Why some gunicorn command was not checked, for the explanation.
    not_checked: tuple[str, ...]
    cpus: Cpus
    config_file: str | None


@dataclasses.dataclass(frozen=True)
class InstalledServer:
    name: str
    # The installed distribution's version; None when only an executable is on PATH.
    version: str | None
    interface: str


@dataclasses.dataclass(frozen=True)
class StartCommand:
    """One command that starts (part of) the site, as found in ``file`` at ``line``."""

    file: str
    line: int
    process: str
    command: str
    server: str | None
    # The module:object path the server serves, if the command names one.
    application_path: str | None
    workers: int | None = None
    # The variable a worker count comes from, e.g. "${WEB_CONCURRENCY:-3}".
    workers_from: str | None = None
    threads: int | None = None
    worker_class: str | None = None
    # Listening addresses as written ("0.0.0.0:$PORT"); empty when the server's default applies.
    binds: tuple[str, ...] = ()
    config_file: str | None = None
    # Local directory the command runs in, or None when it cannot be known (container paths).
    working_dir: str | None = None
    # True for the process that answers HTTP requests (Procfile "web", Dockerfile CMD, ...).
    is_web: bool = False
    runs_migrate: bool = False
    # Words after the server's program name, as written.
    arguments: tuple[str, ...] = ()
    # Shell syntax passed on literally because no shell runs the command.
    unexpanded: tuple[str, ...] = ()
    # Environment the file itself sets for the command (Dockerfile ENV, compose environment).
    sets_port: bool = False
    # Why application_path cannot be imported, checked in this process.
    import_error: str | None = None
    # "production" when a platform file, the file the platform builds from or a production name says
    # so; "unknown" when nothing does (development commands are not start commands at all).
    role: str = PRODUCTION
    role_reason: str = ""
    # Why the line may not run (a branch of a start script), or None when it runs whenever the file does.
    conditional: str | None = None

    @property
    def judged(self) -> bool:
        """Checked for errors: production's, or in a file at the root (a compose.yaml, a Dockerfile) as
        before; a file found deeper in the tree (docker/Dockerfile) needs evidence that production uses it."""
        return self.role == PRODUCTION or "/" not in self.file

    @property
    def certain(self) -> bool:
        """Production runs this line: its file is production's and no branch may skip it."""
        return self.role == PRODUCTION and self.conditional is None


@dataclasses.dataclass(frozen=True)
class StartCommands:
    commands: tuple[StartCommand, ...]
    files: tuple[StartFile, ...]
    fly: FlyService | None
    errors: tuple[str, ...]
    # What the build runs (Dockerfile RUN lines, platform build commands and hooks), for what it installs.
    builds: tuple[BuildStep, ...] = ()


@dataclasses.dataclass(frozen=True)
class LoadedApplication:
    """One of WSGI_APPLICATION and ASGI_APPLICATION, loaded in the child the way Django and the servers load it."""

    setting: str
    path: str | None
    # Why it cannot be loaded, None when it loads (or is not set, or was not verified).
    error: str | None
    # The module Python could not find, for a ModuleNotFoundError.
    missing_module: str | None
    # Warnings emitted while loading, e.g. WhiteNoise's "No directory at: ...".
    warnings: tuple[str, ...]
    # Why loading says nothing either way: the child ran out of time, or this run refused a connection it makes.
    unverified: str | None = None
    # What the child refused while loading it ("database 'default'", "network connection to ...").
    refused: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Loading:
    """The child process that loaded the applications: how it ended and what it left behind."""

    ran: bool
    # Why it was not started (settings configured in code, nothing to load).
    skipped_because: str | None
    timed_out: bool
    bound: float
    # Non-daemon threads the project's code started while loading (they keep a process from exiting).
    threads: tuple[str, ...]
    # What the project printed while loading, first lines, masked.
    output: tuple[str, ...]
    # Why the child ended without reporting (killed, exited by itself), or None.
    error: str | None


@dataclasses.dataclass(frozen=True)
class AsyncFacts:
    asgi: LoadedApplication
    # The project's asgi module next to its wsgi module (mysite.asgi), if it exists.
    asgi_module: str | None
    async_views: tuple[str, ...]
    async_view_count: int
    url_error: str | None
    channels_installed: bool


@dataclasses.dataclass(frozen=True)
class Facts:
    wsgi_application: str | None
    wsgi_application_error: str | None
    start_commands: tuple[StartCommand, ...]
    # Names of the servers installed in this environment, not production's (details in ``servers``).
    servers_installed: tuple[str, ...]
    errors: tuple[str, ...]
    wsgi: LoadedApplication
    # The child process that loaded the applications.
    loading: Loading
    start_files: tuple[StartFile, ...]
    fly: FlyService | None
    gunicorn: GunicornFacts
    servers: tuple[InstalledServer, ...]
    asgi: AsyncFacts
    # The package holding settings and wsgi.py ("mysite"), for the code in the steps.
    project_package: str
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    timeout: float
