"""The application itself: does WSGI_APPLICATION load, and ASGI_APPLICATION, and which views are async?

The project's code runs in a child process (``django_deploy_concepts.sandbox``), never in ours: it
is started in a session of its own, with the project's settings module and this run's environment,
bounded by ``--timeout`` (plus the time Python and Django take to start), its output captured to a
file and never mixed into ours, no bytecode written, and its whole process group stopped afterwards.
Database aliases this run may not use, and with ``--offline`` the network, are refused there; what
that leaves unverified is said. Real requests are the business of ``manage.py rehearse_deploy``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.wsgi.facts import AsyncFacts, Facts, LoadedApplication, Loading
from django_deploy_concepts.concerns.wsgi.gunicorn import asgi_path, command_for, wants_asgi
from django_deploy_concepts.concerns.wsgi.servers import gunicorn_has_asgi_worker
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

MAX_TEXT = 300
MAX_OUTPUT_BYTES = 64 * 1024
MAX_OUTPUT_LINES = 5
# Python, Django and the settings module start in the child before the project's own code runs.
STARTUP_SECONDS = 5.0
CHILD_MARGIN_SECONDS = 2.0
REHEARSAL = "`manage.py rehearse_deploy` tries real requests"
# What sqlite and PostgreSQL say when the child's read-only connection is asked to write.
READ_ONLY_ERRORS = ("attempt to write a readonly database", "read-only transaction")


# Loading, in the child process ---------------------------------------------------------------------


def one_line(text: str, secrets: frozenset[str]) -> str:
    text = masking.scrub_text(masking.mask_url(" ".join(str(text).split())), secrets)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def child_environ(context: ProjectContext) -> dict[str, str]:
    environ = dict(context.environ)
    # The child imports the project: no bytecode files are written into it.
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    environ["DJANGO_SETTINGS_MODULE"] = context.settings_module
    # What this process can import (manage.py's directory, --pythonpath), the child can too.
    paths = [path for path in sys.path if path and os.path.isdir(path)]
    environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*paths, *environ.get("PYTHONPATH", "").split(os.pathsep)])).strip(os.pathsep)
    return environ


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """Stop the child and everything it started (it leads a session of its own)."""
    if process is None:
        return
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class RunningLoad:
    """The child loading the applications; ``result()`` waits for it (bounded) and reads what it wrote."""

    def __init__(self, context: ProjectContext, applications: list[tuple[str, str]], urlconf: str | None) -> None:
        self.applications = applications
        self.bound = context.timeout + STARTUP_SECONDS
        self.directory = tempfile.mkdtemp(prefix="deploy-concepts-")
        self.result_path = os.path.join(self.directory, "result.json")
        self.output_path = os.path.join(self.directory, "output")
        request = {
            "applications": applications,
            "urlconf": urlconf,
            "databases": list(context.databases),
            "offline": not context.databases,
            # The child's own alarm rings after ours: a timeout is always seen as one here.
            "bound": self.bound + CHILD_MARGIN_SECONDS,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._result: dict[str, Any] | None = None
        self._cleanup = weakref.finalize(self, RunningLoad.discard, None, self.directory)
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-B", "-m", "django_deploy_concepts.sandbox", self.result_path, json.dumps(request)],
                cwd=os.getcwd(),
                env=child_environ(context),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._cleanup.detach()
        self._cleanup = weakref.finalize(self, RunningLoad.discard, self.process, self.directory)

    @staticmethod
    def discard(process: subprocess.Popen[bytes] | None, directory: str) -> None:
        stop(process)
        shutil.rmtree(directory, ignore_errors=True)

    def result(self) -> tuple[dict[str, Any], bool, str | None, bytes]:
        """(what the child wrote, whether it ran out of time, why it ended early, its output)."""
        assert self.process is not None
        timed_out = False
        try:
            status = self.process.wait(timeout=self.bound)
        except subprocess.TimeoutExpired:
            timed_out, status = True, None
        stop(self.process)
        try:
            with open(self.result_path, encoding="utf-8") as handle:
                result = json.load(handle)
        except (OSError, ValueError):
            result = {}
        try:
            with open(self.output_path, "rb") as handle:
                output = handle.read(MAX_OUTPUT_BYTES)
        except OSError:
            output = b""
        self._cleanup()
        error = None
        if not timed_out and not result.get("finished"):
            error = result.get("error") or (
                f"the process ended with status {status}"
                if status is not None and status >= 0
                else f"the process was killed by signal {-(status or 0)}"
            )
        return result, timed_out, error, output


def start_loading(context: ProjectContext) -> Callable[[], tuple[Loading, dict[str, LoadedApplication], dict[str, Any]]]:
    """Start the child at the start of a run; call the result to wait for it."""
    secrets = context.known_secrets()
    applications: list[tuple[str, str]] = []
    early: dict[str, LoadedApplication] = {}
    for setting in ("WSGI_APPLICATION", "ASGI_APPLICATION"):
        path = context.setting(setting)
        if path is None:
            early[setting] = LoadedApplication(setting, None, None, None, ())
        elif not isinstance(path, str):
            error = f"{setting} should be a dotted path string, not {type(path).__name__}"
            early[setting] = LoadedApplication(setting, None, error, None, ())
        else:
            applications.append((setting, path))
    urlconf = context.setting("ROOT_URLCONF")
    urlconf = urlconf if isinstance(urlconf, str) else None
    if not context.settings_module:
        why = "the settings were configured in code (settings.configure()), so no process can load them"
    elif not applications and urlconf is None:
        why = "there is nothing to load"
    else:
        why = None
    running = None
    if why is None:
        try:
            running = RunningLoad(context, applications, urlconf)
        except OSError as exc:
            why = f"the child process could not start: {exc.strerror or exc}"

    def finish() -> tuple[Loading, dict[str, LoadedApplication], dict[str, Any]]:
        bound = context.timeout + STARTUP_SECONDS
        if running is None:
            loaded = dict(early)
            for setting, path in applications:
                loaded[setting] = LoadedApplication(setting, path, None, None, (), unverified=f"not loaded: {why}")
            return Loading(False, why, False, bound, (), (), None), loaded, {}
        result, timed_out, error, output = running.result()
        loaded = dict(early)
        reported = {item.get("setting"): item for item in result.get("applications", []) if isinstance(item, dict)}
        blamed = False
        for setting, path in applications:
            item = reported.get(setting)
            if item is None:
                if not timed_out and error and not blamed:
                    # The process ended while importing this application: that is its error.
                    blamed = True
                    loaded[setting] = LoadedApplication(
                        setting, path, one_line(f"importing it ended the process ({error})", secrets), None, ()
                    )
                    continue
                why_not = f"loading did not finish within {bound:g} seconds" if timed_out else "an earlier import ended the process"
                blamed = True
                loaded[setting] = LoadedApplication(setting, path, None, None, (), unverified=why_not)
                continue
            refused = tuple(one_line(entry, secrets) for entry in item.get("refused") or ())
            item_error = item.get("error")
            unverified = None
            if item_error and refused:
                unverified = f"it opens a connection while loading ({refused[0]}), which this run may not open"
                item_error = None
            elif item_error and any(words in str(item_error).lower() for words in READ_ONLY_ERRORS):
                refused = ("a write to the database",)
                unverified = "it writes to the database while loading, and this run opens databases read-only"
                item_error = None
            loaded[setting] = LoadedApplication(
                setting,
                path,
                None if item_error is None else one_line(str(item_error), secrets),
                item.get("missing_module") if isinstance(item.get("missing_module"), str) else None,
                tuple(one_line(str(warning), secrets) for warning in item.get("warnings") or ()),
                unverified,
                refused,
            )
        text = masking.scrub_text(masking.mask_url(output.decode("utf-8", errors="replace")), secrets)
        lines = tuple(line[:MAX_TEXT] for line in text.splitlines() if line.strip())[:MAX_OUTPUT_LINES]
        threads = tuple(one_line(str(name), secrets) for name in result.get("threads") or ())
        loading = Loading(True, None, timed_out, bound, threads, lines, None if error is None else one_line(str(error), secrets))
        return loading, loaded, result

    return finish


def sibling_asgi_module(wsgi_path: str | None, base_dir: Path) -> str | None:
    """``mysite.asgi`` when WSGI_APPLICATION is ``mysite.wsgi.application`` and mysite/asgi.py exists (not imported)."""
    if not wsgi_path or wsgi_path.count(".") < 2:
        return None
    package = wsgi_path.rsplit(".", 2)[0]
    relative = package.replace(".", "/") + "/asgi.py"
    roots = [base_dir, *(Path(path) for path in sys.path if path)]
    return f"{package}.asgi" if any((root / relative).is_file() for root in roots) else None


def collect_async(context: ProjectContext, asgi: LoadedApplication, result: Mapping[str, Any], wsgi_path: str | None) -> AsyncFacts:
    secrets = context.known_secrets()
    installed = context.setting("INSTALLED_APPS", [])
    # CHANNEL_LAYERS means nothing without Channels: either sign is enough.
    channels = bool(context.setting("CHANNEL_LAYERS")) or (
        isinstance(installed, (list, tuple))
        and any(isinstance(app, str) and app.split(".")[0] in ("channels", "daphne") for app in installed)
    )
    names = result.get("async_views") or []
    url_error = result.get("url_error")
    count = result.get("async_view_count")
    return AsyncFacts(
        asgi=asgi,
        asgi_module=sibling_asgi_module(wsgi_path, context.base_dir),
        async_views=tuple(one_line(str(name), secrets) for name in names if isinstance(names, list)),
        async_view_count=count if isinstance(count, int) else 0,
        url_error=None if not url_error else one_line(str(url_error), secrets),
        channels_installed=channels,
    )


# Checks --------------------------------------------------------------------------------------------


def missing_dependency(facts: Facts) -> str | None:
    """The module WSGI_APPLICATION's module imports and cannot find (not the module itself)."""
    missing = facts.wsgi.missing_module
    module = (facts.wsgi_application or "").rpartition(".")[0]
    if not missing or module == missing or module.startswith(missing + "."):
        return None
    return missing


def e001(facts: Facts) -> Error:
    missing = missing_dependency(facts)
    hint = (
        f"{facts.wsgi_application.rpartition('.')[0] if facts.wsgi_application else 'wsgi.py'} imports {missing}: add it to the project or its requirements."
        if missing
        else f'Point it at the application in your wsgi.py, e.g. "{facts.project_package}.wsgi.application".'
    )
    return Error(f"WSGI_APPLICATION cannot be loaded: {facts.wsgi_application_error}", hint=hint, id="deploy_wsgi.E001")


def check_wsgi_application(facts: Facts) -> list[CheckMessage]:
    return [e001(facts)] if facts.wsgi_application_error else []


def e006(facts: Facts) -> Error:
    return Error(
        f"ASGI_APPLICATION cannot be loaded: {facts.asgi.asgi.error}",
        hint=f'Point it at the application in your asgi.py, e.g. "{facts.project_package}.asgi.application".',
        id="deploy_wsgi.E006",
    )


def check_asgi_application(facts: Facts) -> list[CheckMessage]:
    return [e006(facts)] if facts.asgi.asgi.error else []


def w015(loading: Loading) -> Warning:
    return Warning(
        f"Loading the application did not finish within {loading.bound:g} seconds.",
        hint="Something it imports waits (a connection, a lock); a gunicorn worker that does not boot in time is killed.",
        id="deploy_wsgi.W015",
    )


def check_loading_time(facts: Facts) -> list[CheckMessage]:
    return [w015(facts.loading)] if facts.loading.timed_out else []


def w016(loading: Loading) -> Warning:
    return Warning(
        f"Loading the application starts non-daemon thread(s): {', '.join(loading.threads)}.",
        hint="A process cannot exit while they run: gunicorn's restarts wait, then kill the worker. Make them daemon threads.",
        id="deploy_wsgi.W016",
    )


def check_loading_threads(facts: Facts) -> list[CheckMessage]:
    return [w016(facts.loading)] if facts.loading.threads else []


def i017(subject: str, unverified: str) -> Info:
    """``subject`` (WSGI_APPLICATION, ASGI_APPLICATION, a gunicorn check) was not verified, for the reason ``unverified``."""
    return Info(
        f"{subject} was not verified: {unverified}.",
        hint="Connect, and write, on first use rather than at import; --database ALIAS lets this run connect, read-only.",
        id="deploy_wsgi.I017",
    )


def check_loading_refused(facts: Facts) -> list[CheckMessage]:
    return [
        i017(application.setting, application.unverified)
        for application in (facts.wsgi, facts.asgi.asgi)
        if application.unverified and application.refused
    ]


CHECKS = (check_wsgi_application, check_asgi_application, check_loading_time, check_loading_threads, check_loading_refused)


# Explanation ------------------------------------------------------------------------------------------


def found(facts: Facts) -> list[Fact]:
    wsgi = facts.wsgi
    loaded = [
        Fact(
            "WSGI_APPLICATION",
            wsgi.path or "(not set: runserver uses Django's default handler)",
            (wsgi.error is None and bool(wsgi.path)) if wsgi.unverified is None else None,
        )
    ]
    if wsgi.error:
        loaded.append(Fact("Loading WSGI_APPLICATION", wsgi.error, False))
    if wsgi.unverified:
        loaded.append(Fact("Loading WSGI_APPLICATION", f"not verified: {wsgi.unverified}", None))
    loaded += [Fact("Warning while loading it", warning, None) for warning in wsgi.warnings]
    loading = facts.loading
    if loading.ran:
        loaded.append(Fact("Loaded in", f"a separate process, bounded to {loading.bound:g} seconds, its output captured", None))
    if loading.output:
        loaded.append(Fact("Printed while loading", "\n".join(loading.output), None))
    if loading.threads:
        loaded.append(Fact("Threads left running", ", ".join(loading.threads), False))
    loaded.append(Fact("Requests", f"none are sent by this command: {REHEARSAL}", None))
    return loaded


def async_found(facts: Facts) -> list[Fact]:
    asgi = facts.asgi
    found_async: list[Fact] = []
    if asgi.asgi.path or asgi.asgi.error:
        value = (
            asgi.asgi.error
            or (f"{asgi.asgi.path} (not verified: {asgi.asgi.unverified})" if asgi.asgi.unverified else asgi.asgi.path)
            or ""
        )
        found_async.append(Fact("ASGI_APPLICATION", value, None if asgi.asgi.unverified else asgi.asgi.error is None))
    if asgi.async_view_count:
        listed = ", ".join(asgi.async_views) + (" ..." if asgi.async_view_count > len(asgi.async_views) else "")
        found_async.append(Fact("Async views", f"{asgi.async_view_count}: {listed}", None))
    if asgi.url_error:
        found_async.append(Fact("Reading the URLconf", asgi.url_error, False))
    if asgi.channels_installed:
        found_async.append(Fact("Channels", "in use (INSTALLED_APPS or CHANNEL_LAYERS): websockets need an ASGI server", None))
    return found_async


def loading_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    missing = missing_dependency(facts)
    if missing:
        module = (facts.wsgi_application or "").rpartition(".")[0]
        yield Step(
            f"Make {module} importable: it imports {missing}, which Python cannot find.",
            f"runserver and every gunicorn worker stop with: {facts.wsgi_application_error} (then 'Worker failed to boot'). "
            "Commit the missing module, or add the package that provides it to your requirements.",
            f"python -c 'import {module}'",
            "shell",
        )
        return
    yield Step(
        "Make WSGI_APPLICATION point at the application object in your wsgi.py.",
        f"Django (runserver) and gunicorn both import it; it fails with: {facts.wsgi_application_error}.",
        f'WSGI_APPLICATION = "{facts.project_package}.wsgi.application"',
        "python",
    )


def quick_import_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Keep wsgi.py's import quick and quiet: no connections, no threads left running.",
        "Every worker imports it before it answers a request; gunicorn kills a worker that does not boot within its "
        "--timeout, and waits for non-daemon threads at every restart. Open connections on first use (Django does), "
        "and start background work in its own process or as daemon threads.",
    )


def asgi_step(facts: Facts, deployment: Plan) -> list[Step]:
    path = asgi_path(facts)
    if not wants_asgi(facts) or path is None:
        return []
    command = command_for(facts, asgi=True)
    detail = "Async views then run natively instead of one event loop per request."
    if not gunicorn_has_asgi_worker(facts.gunicorn.version):
        detail += " The uvicorn worker needs: pip install uvicorn-worker."
    if facts.asgi.channels_installed:
        command += f"\n# or Channels' own server:\ndaphne -b 0.0.0.0 -p ${{PORT:-8000}} {path}"
        detail = "Channels' websockets need an ASGI server; WSGI servers never call your consumers."
    return [Step("Serve the ASGI application.", detail, command, "shell")]


FIX_LOADING = Fix(frozenset({"deploy_wsgi.E001"}), loading_step)
FIX_QUICK_IMPORT = Fix(frozenset({"deploy_wsgi.W015", "deploy_wsgi.W016", "deploy_wsgi.I017"}), quick_import_step)
# From the facts alone: whether the project wants ASGI.
FIX_ASGI = Fix(frozenset(), asgi_step)
