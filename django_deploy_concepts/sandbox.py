"""The child process that runs the project's code: it imports WSGI_APPLICATION, ASGI_APPLICATION and the URLconf.

Started by ``concerns/wsgi/application.py`` as ``python -B -m django_deploy_concepts.sandbox RESULT REQUEST``,
in a session of its own, with its stdout and stderr sent to a file. Whatever the project's code does
(print, raise SystemExit, start a thread, hang, connect) stays in this process: it writes what it
found as JSON to RESULT after each step and ends with ``os._exit``, so no thread keeps it alive.
Database connections to aliases the run may not use, and with ``--offline`` any network
connection, are refused here and recorded: the report says what was not verified, and why. The
aliases it may use are made read-only first, in this process's settings only (sqlite ``mode=ro``,
PostgreSQL ``default_transaction_read_only``); those that cannot be are refused too.

Started as ``python -B -m django_deploy_concepts.sandbox --gunicorn-check RESULT REQUEST ARGUMENTS...``
by ``concerns/wsgi/gunicorn.py``, it runs gunicorn's own entry point with ARGUMENTS under the same
refusals: gunicorn reads its configuration (gunicorn.conf.py is Python) and imports the application
as it does for ``gunicorn --check-config``, and RESULT says what was refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from django_deploy_concepts.helpers import describe_exception

MAX_ASYNC_VIEWS_LISTED = 20
MAX_URL_PATTERNS = 5000
MAX_TEXT = 2000


class Refused(OSError):
    """Raised where the project's code opens a connection this run may not open."""


refused: list[str] = []


def describe(exc: BaseException) -> str:
    return describe_exception(exc, MAX_TEXT)


def refuse_databases(allowed: frozenset[str] | Callable[[], frozenset[str]]) -> None:
    """Connections to other aliases fail, in every thread, and are recorded (as Django's SimpleTestCase refuses them).

    ``allowed`` may be a function, asked at the first connection, once the settings are configured."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    def guarded(method: Any) -> Any:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self.connection is None and self.alias not in (allowed() if callable(allowed) else allowed):
                refused.append(f"database {self.alias!r}")
                raise Refused(f"django-deploy-concepts refused a connection to the database {self.alias!r}")
            return method(self, *args, **kwargs)

        return call

    BaseDatabaseWrapper.connect = guarded(BaseDatabaseWrapper.connect)  # type: ignore[method-assign]
    BaseDatabaseWrapper.ensure_connection = guarded(BaseDatabaseWrapper.ensure_connection)  # type: ignore[method-assign]


def read_only_aliases(allowed: frozenset[str]) -> frozenset[str]:
    """Make the connections the project's code may open read-only, in this process's settings only;
    the aliases that cannot be made so (a sqlite file that does not exist yet, another vendor) are refused."""
    import urllib.parse

    from django.conf import settings
    from django.db.utils import load_backend

    kept: set[str] = set()
    databases: dict[str, Any] = settings.DATABASES
    for alias in allowed:
        config = databases.get(alias)
        if not isinstance(config, dict):
            continue
        try:
            vendor = load_backend(config.get("ENGINE") or "django.db.backends.dummy").DatabaseWrapper.vendor
        except Exception:  # noqa: BLE001 - a backend that does not load: nothing to connect with
            continue
        options: dict[str, Any] = dict(config.get("OPTIONS") or {})
        if vendor == "sqlite":
            name = str(config.get("NAME") or "")
            if not name or name.startswith("file:") or not os.path.isfile(name):
                continue
            # Connecting would otherwise create a missing file, and init_command may change the header.
            config["NAME"] = f"file:{urllib.parse.quote(os.path.abspath(name))}?mode=ro"
            options.pop("init_command", None)
        elif vendor == "postgresql":
            options["options"] = f"{options.get('options') or ''} -c default_transaction_read_only=on".strip()
        else:
            continue
        config["OPTIONS"] = options
        kept.add(alias)
    return frozenset(kept)


def read_only_when_connecting(requested: frozenset[str]) -> Callable[[], frozenset[str]]:
    """``read_only_aliases(requested)`` at the first connection, not before: gunicorn.conf.py and
    ``--chdir`` decide which settings module loads, so the settings cannot be read at the start."""
    kept: list[frozenset[str]] = []

    def allowed() -> frozenset[str]:
        if not kept:
            try:
                kept.append(read_only_aliases(requested))
            except Exception:  # noqa: BLE001 - settings that do not load here: no connection at all
                kept.append(frozenset())
        return kept[0]

    return allowed


def refuse_network() -> None:
    """No connection and no name lookup leaves this process (an audit hook: it sees every Python socket)."""

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6):
            refused.append(f"network connection to {args[1]!r}")
            raise Refused(f"django-deploy-concepts refused a network connection to {args[1]!r} (--offline)")
        if event == "socket.getaddrinfo":
            refused.append(f"name lookup of {args[0]!r}")
            raise Refused(f"django-deploy-concepts refused a name lookup of {args[0]!r} (--offline)")

    sys.addaudithook(hook)


def load(setting: str, path: str) -> dict[str, Any]:
    from django.utils.module_loading import import_string

    found: dict[str, Any] = {"setting": setting, "path": path, "error": None, "missing_module": None, "warnings": []}
    before = len(refused)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            application = import_string(path)
        except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt, gevent's: each is the finding
            found["error"] = describe(exc)
            if isinstance(exc, ModuleNotFoundError):
                found["missing_module"] = exc.name
            found["traceback"] = traceback.format_exc()[-MAX_TEXT:]
        else:
            if not callable(application):
                found["error"] = f"{path} is a {type(application).__name__}, not a callable application"
    found["warnings"] = list(dict.fromkeys(f"{item.category.__name__}: {item.message}"[:MAX_TEXT] for item in caught))
    found["refused"] = refused[before:]
    return found


def is_async_view(callback: Any) -> bool:
    import asyncio

    from asgiref.sync import iscoroutinefunction

    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        try:
            return bool(view_class.view_is_async)
        except Exception:  # noqa: BLE001 - a view class mixing sync and async handlers raises
            return False
    return bool(iscoroutinefunction(callback) or asyncio.iscoroutinefunction(callback))


def async_views(urlconf: object) -> dict[str, Any]:
    """The async views the URLconf routes to: first names, how many, why the walk failed."""
    names: list[str] = []
    error = None
    try:
        import django

        django.setup(set_prefix=False)
        from django.urls import URLPattern, URLResolver, get_resolver

        resolver = get_resolver(urlconf if isinstance(urlconf, str) else None)
        stack: list[tuple[Any, int]] = [(resolver, 0)]
        seen = 0
        while stack and seen < MAX_URL_PATTERNS:
            node, depth = stack.pop()
            for pattern in node.url_patterns:
                seen += 1
                if isinstance(pattern, URLResolver) and depth < 20:
                    stack.append((pattern, depth + 1))
                elif isinstance(pattern, URLPattern) and is_async_view(pattern.callback):
                    callback = getattr(pattern.callback, "view_class", pattern.callback)
                    names.append(f"{getattr(callback, '__module__', '?')}.{getattr(callback, '__qualname__', repr(callback))}")
    except BaseException as exc:  # noqa: BLE001 - a broken URLconf is reported, the rest goes on
        error = describe(exc)
    unique = list(dict.fromkeys(names))
    return {"async_views": unique[:MAX_ASYNC_VIEWS_LISTED], "async_view_count": len(unique), "url_error": error}


def live_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if not thread.daemon and thread is not threading.main_thread()]


def write_result(result_path: str, result: dict[str, Any]) -> None:
    temporary = result_path + ".part"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(temporary, result_path)


def flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):  # a closed or replaced stream
            stream.flush()


def main(argv: list[str]) -> None:
    result_path, request = argv[1], json.loads(argv[2])
    result: dict[str, Any] = {"applications": [], "finished": False}

    def save() -> None:
        write_result(result_path, result)

    # Bounded from inside too: SIGALRM ends the process should our parent be gone.
    signal.setitimer(signal.ITIMER_REAL, float(request["bound"]))
    try:
        try:
            allowed = read_only_aliases(frozenset(request["databases"]))
        except Exception:  # noqa: BLE001 - settings that do not load here: no connection at all
            allowed = frozenset()
        refuse_databases(allowed)
        if request["offline"]:
            refuse_network()
        save()
        for setting, path in request["applications"]:
            result["applications"].append(load(setting, path))
            save()
        if request["urlconf"]:
            result.update(async_views(request["urlconf"]))
        result["threads"] = live_threads()
        result["refused"] = list(dict.fromkeys(refused))
        result["finished"] = True
        save()
    except BaseException as exc:  # noqa: BLE001 - whatever escapes is recorded, never shown
        result["error"] = describe(exc)
        save()
    finally:
        flush_output()
        # Threads the project started must not keep this process alive.
        os._exit(0)


def exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` ends a process with (a message is printed, as Python does)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def gunicorn_check(argv: list[str]) -> None:
    """``RESULT REQUEST ARGUMENTS...``: gunicorn's command line (``--check-config ...``) run here,
    under the refusals REQUEST asks for; ends with gunicorn's exit status and RESULT saying what was refused."""
    result_path, request, arguments = argv[0], json.loads(argv[1]), argv[2:]
    result: dict[str, Any] = {"started": False, "refused": [], "error": None}
    status = 1
    signal.setitimer(signal.ITIMER_REAL, float(request["bound"]))
    try:
        try:
            refuse_databases(read_only_when_connecting(frozenset(request["databases"])))
            if request["offline"]:
                refuse_network()
        except Exception as exc:  # noqa: BLE001 - unguarded, gunicorn does not run
            result["error"] = describe(exc)
            return
        result["started"] = True
        write_result(result_path, result)
        sys.argv = ["gunicorn", *arguments]
        try:
            import importlib

            # gunicorn's own entry point, as ``python -m gunicorn`` runs it.
            importlib.import_module("gunicorn.app.wsgiapp").run(prog="gunicorn")
            status = 0
        except SystemExit as exc:
            status = exit_status(exc.code)
        except BaseException:  # noqa: BLE001 - what escapes gunicorn (a BaseException at import) ends it, as it would
            traceback.print_exc()
    finally:
        result["refused"] = list(dict.fromkeys(refused))
        with contextlib.suppress(BaseException):
            write_result(result_path, result)
        flush_output()
        os._exit(status)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--gunicorn-check"]:
        gunicorn_check(sys.argv[2:])
    else:
        main(sys.argv)
