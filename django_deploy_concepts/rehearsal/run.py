"""One rehearsal, stage by stage: build, inspection, server, web server, requests; then the report.

Whatever happens (a failure, the time limit, Ctrl-C), every process started is stopped with its
whole process group and the temporary directory is removed before ``rehearse`` returns or raises.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import secrets as random_tokens
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.webserver.hosts import usable_hostnames
from django_deploy_concepts.concerns.webserver.media import url_path
from django_deploy_concepts.concerns.wsgi.gunicorn import failure as gunicorn_failure
from django_deploy_concepts.concerns.wsgi.start_commands import project_start_commands
from django_deploy_concepts.context import ProjectContext, build_context
from django_deploy_concepts.platforms import public_hostname
from django_deploy_concepts.rehearsal import build, messages, predict, server
from django_deploy_concepts.rehearsal.processes import Processes
from django_deploy_concepts.rehearsal.result import Failure, Rehearsal, Stage, Visit
from django_deploy_concepts.rehearsal.visit import (
    Answer,
    Followed,
    Front,
    is_css,
    is_html,
    parse_page,
    same_host_path,
    shows_debug_page,
    stylesheet_references,
)
from django_deploy_concepts.target import Target

DEFAULT_MAX_PAGES = 50
DEFAULT_TIME_LIMIT = 180.0
BOOT_SECONDS = 60.0
BUILD_SECONDS = 300.0
MAX_STATIC_FILES = 200
FALLBACK_HOST = "example.com"
# Platforms whose router, or a proxy in another container, is not on gunicorn's loopback.
OTHER_HOST_KINDS = frozenset({"paas", "container"})


@dataclasses.dataclass(frozen=True)
class Options:
    # The declared target (DEPLOY_CONCEPTS and the command's options): platform, hosts, proxy, ...
    target: Target | None = None
    web_server: str | None = None
    max_pages: int = DEFAULT_MAX_PAGES
    timeout: float = 10.0
    time_limit: float = DEFAULT_TIME_LIMIT
    databases: tuple[str, ...] = ()
    inspect: bool = True


class OutOfTime(Exception):
    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


@dataclasses.dataclass
class LogReader:
    """What a server wrote to its log since the last read."""

    path: Path
    offset: int = 0

    def read_new(self) -> str:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return ""
        self.offset += len(data)
        return data.decode("utf-8", errors="replace")

    def text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def log_records(text: str) -> list[dict[str, Any]]:
    records = []
    for line in text.splitlines():
        marker = line.find(build.LOG_MARKER)
        if marker < 0:
            continue
        try:
            record = json.loads(line[marker + len(build.LOG_MARKER) :])
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def logged_error(records: list[dict[str, Any]]) -> str | None:
    """The error a request logged: its exception (and where in the project), else a security message."""
    for record in records:
        if record.get("error"):
            where = f" ({record['where']})" if record.get("where") else ""
            return f"{record['error']}{where}"
    for record in records:
        if str(record.get("logger", "")).startswith("django.security"):
            return str(record.get("message"))
    return next((str(record.get("message")) for record in records if record.get("message")), None)


def visit_of(method: str, url: str, kind: str, answer: Answer, **fields: Any) -> Visit:
    """The record of a request: its answer's status, time and the headers the report shows."""
    return Visit(
        method,
        url,
        kind,
        answer.status,
        round(answer.seconds, 3),
        content_type=answer.header("Content-Type"),
        cache_control=answer.header("Cache-Control"),
        content_encoding=answer.header("Content-Encoding"),
        **fields,
    )


def stylesheet_text(answer: Answer) -> str | None:
    """The text of a stylesheet served whole or gzipped; None for anything else."""
    if answer.status != 200 or not is_css(answer):
        return None
    encoding = answer.header("Content-Encoding")
    body = answer.body
    if encoding == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            return None
    elif encoding:
        return None
    return body.decode("utf-8", errors="replace")


def choose_host(context: ProjectContext) -> tuple[str, str]:
    """(the public host requests carry, where it comes from)."""
    if context.target.hosts:
        return context.target.hosts[0], f"declared in {context.target.source('hosts')}"
    detected, variable = public_hostname(context.platform_info, context.environ)
    if detected:
        return detected, f"detected from {variable}"
    allowed = context.setting("ALLOWED_HOSTS", [])
    usable = usable_hostnames(tuple(str(host) for host in allowed)) if isinstance(allowed, (list, tuple)) else ()
    if usable:
        return usable[0].lstrip("."), "the first entry of ALLOWED_HOSTS"
    return FALLBACK_HOST, f"assumed: no public host declared (--host) or detected, and ALLOWED_HOSTS {allowed!r} names none"


def choose_topology(context: ProjectContext, web_server: str | None) -> tuple[str, str]:
    """(where the front runs: "same-host", "other-host" or "none", and why)."""
    if web_server:
        return "same-host", f"{web_server} in front on the same host (--web-server)"
    declared = context.target.proxy
    if declared:
        return declared, f"{declared}, declared in {context.target.source('proxy')}"
    platform = context.platform_info
    if platform.kind in OTHER_HOST_KINDS:
        return "other-host", f"{platform.title}'s router, on another host than gunicorn"
    return "same-host", "assumed: a proxy on the same host as gunicorn (declare --proxy other-host otherwise)"


class Rehearser:
    def __init__(self, context: ProjectContext, options: Options, progress: Callable[[str], None]) -> None:
        self.context = context
        self.options = options
        self.progress = progress
        self.deadline = time.monotonic() + options.time_limit
        self.processes = Processes()
        self.stages: list[Stage] = []
        self.failures: list[Failure] = []
        self.visits: list[Visit] = []
        self.notes: list[str] = []
        self.worked: list[str] = []
        self.found_ids: frozenset[str] = frozenset()
        self.host, self.host_source = choose_host(context)
        self.proxy, self.topology = choose_topology(context, options.web_server)
        self.other_host = self.proxy == "other-host"
        self.server_shown: str | None = None
        self.gunicorn: Any = None
        self.gunicorn_log: LogReader | None = None
        self.front_log: LogReader | None = None
        self.server_stopped = False
        self.platform_build = build.PlatformBuild((), ())
        # The web server in front ends TLS itself (a throwaway certificate, Caddy's local authority).
        self.front_tls = False

    # Time --------------------------------------------------------------------------------------------

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def bound(self, seconds: float, stage: str) -> float:
        remaining = self.remaining()
        if remaining <= 0:
            raise OutOfTime(stage)
        return min(seconds, remaining)

    @contextmanager
    def stage(self, name: str, started: float | None = None) -> Iterator[dict[str, Any]]:
        """Time a stage (from ``started`` when it began earlier, in a process of its own)."""
        self.bound(1, name)
        self.progress(name)
        started = started or time.monotonic()
        outcome: dict[str, Any] = {"outcome": "", "ok": None}
        try:
            yield outcome
        finally:
            self.stages.append(Stage(name, round(time.monotonic() - started, 3), outcome["outcome"], outcome["ok"]))

    # Findings ----------------------------------------------------------------------------------------

    def fail(self, message: CheckMessage, *, url: str | None = None, status: int | None = None, error: str | None = None) -> None:
        concern, predicted_by = predict.prediction(str(message.id), error, self.found_ids)
        failure = Failure.of(message, concern, url=url, status=status, error=error, predicted_by=predicted_by)
        key = self.failure_key(failure)
        for index, earlier in enumerate(self.failures):
            if self.failure_key(earlier) == key:
                if url and url != earlier.url and url not in earlier.also:
                    self.failures[index] = dataclasses.replace(earlier, also=(*earlier.also, url))
                return
        self.failures.append(failure)

    @staticmethod
    def failure_key(failure: Failure) -> tuple[object, ...]:
        if failure.finding.id == "deploy_rehearsal.E010":
            return (failure.finding.id,)
        if failure.finding.id == "deploy_rehearsal.E008":
            return (failure.finding.id, failure.status)
        return (failure.finding.id, failure.status, failure.error)

    # The run -----------------------------------------------------------------------------------------

    def run(self, root: Path) -> None:
        workspace = None
        try:
            with self.stage("build") as outcome:
                workspace = build.prepare(self.context, root)
                self.notes += workspace.notes
                self.platform_build = build.platform_build(self.context)
                self.note_platform_build()
                urls = self.processes.start(
                    [sys.executable, "-m", "django_deploy_concepts.rehearsal.list_urls"],
                    cwd=self.context.base_dir,
                    environ=workspace.environ,
                    log=workspace.log("urls"),
                    stdout=root / "urls.json",
                )
                compile_where = self.platform_build.where("compilescss")
                if compile_where:
                    self.build_step(workspace, "compilescss", compile_where)
                collect = self.start_collectstatic(workspace)
                collect_started = time.monotonic()
                migrate = self.start_migrate(workspace)
                outcome["ok"] = True
                outcome["outcome"] = f"temporary directory, settings {workspace.settings_module} over {workspace.project_settings}"
            if self.options.inspect:
                with self.stage("inspection") as outcome:
                    self.found_ids, error = predict.inspection_ids(self.context)
                    outcome["outcome"] = error or f"{len(self.found_ids)} finding ids"
                    outcome["ok"] = error is None
                    if error:
                        self.notes.append(f"The inspection could not run ({error}); no failure can be matched to a prediction.")
            else:
                self.notes.append("The inspection was skipped (--no-inspection); no failure is matched to a prediction.")
            if collect is not None:
                with self.stage("collectstatic", collect_started) as outcome:
                    self.finish_collectstatic(workspace, collect, outcome)
            if build.compresses_offline(self.context) or self.platform_build.where("compress"):
                with self.stage("compress") as outcome:
                    self.compress(workspace, outcome)
            if migrate is not None:
                with self.stage("migrate", collect_started) as outcome:
                    self.finish_migrate(workspace, migrate, outcome)
            listed = self.read_urls(workspace, urls)
            with self.stage("server") as outcome:
                port = self.start_gunicorn(workspace, outcome)
            if port is None:
                return
            front_port = port
            if self.options.web_server:
                with self.stage("web server") as outcome:
                    web_port = self.start_web_server(workspace, port, outcome)
                if web_port is None and self.failures and self.failures[-1].finding.id == "deploy_rehearsal.E003":
                    return
                front_port = web_port or port
            # With no proxy at all (--proxy none) the requests reach gunicorn as they are: plain http.
            forwards = front_port == port and self.proxy != "none"
            scheme = "http" if self.proxy == "none" else "https"
            front = Front(front_port, self.host, forwards=forwards, timeout=self.options.timeout, scheme=scheme, tls=self.front_tls)
            with self.stage("requests") as outcome:
                before = len(self.failures)
                self.requests(front, workspace, listed)
                outcome["outcome"] = f"{len(self.visits)} requests, {len(self.failures) - before} kinds of failure"
                outcome["ok"] = len(self.failures) == before
        except OutOfTime as exc:
            self.fail(messages.w014(exc.stage))
        finally:
            with uninterrupted():
                self.processes.stop_all()
                if workspace is not None:
                    workspace.close()

    # Build -------------------------------------------------------------------------------------------

    def note_platform_build(self) -> None:
        rehearsed = self.platform_build.safe
        if rehearsed:
            shown = ", ".join(f"{name} ({where})" for name, where in rehearsed)
            self.notes.append(f"The build steps production runs that are known to be safe are rehearsed: {shown}.")
        if self.platform_build.not_run:
            self.notes.append(f"Build steps not run (not known to be safe): {'; '.join(self.platform_build.not_run)}.")

    def start_manage(self, workspace: build.Workspace, command: str, *arguments: str) -> Any:
        """Start ``manage.py command`` in the workspace, its output in the command's log."""
        argv = build.manage_command(workspace, command, *arguments)
        return self.processes.start(argv, cwd=self.context.base_dir, environ=workspace.environ, log=workspace.log(command))

    def finish_manage(self, workspace: build.Workspace, command: str, process: Any) -> tuple[bool, str]:
        """Wait for a command that start_manage started, within the build's bound: whether it succeeded, and its output."""
        status = self.processes.wait(process, self.bound(BUILD_SECONDS, command))
        if status is None:
            raise OutOfTime(command)
        return status == 0, workspace.log(command).read_text(encoding="utf-8", errors="replace")

    def build_step(self, workspace: build.Workspace, command: str, where: str) -> None:
        """Run a management command as the platform's build does, before collectstatic."""
        ok, output = self.finish_manage(workspace, command, self.start_manage(workspace, command))
        if not ok:
            error = build.error_line(output)
            self.fail(messages.e018(command, where, error), error=error)
        else:
            self.worked.append(f"{command} ({where})")

    def start_collectstatic(self, workspace: build.Workspace) -> Any:
        local, backend = build.static_storage_is_local(self.context)
        if not local:
            self.notes.append(f"collectstatic was not run: the static storage {backend} sends the files elsewhere.")
            return None
        return self.start_manage(workspace, "collectstatic", "--noinput")

    def finish_collectstatic(self, workspace: build.Workspace, process: Any, outcome: dict[str, Any]) -> None:
        ok, output = self.finish_manage(workspace, "collectstatic", process)
        if not ok:
            error = build.error_line(output)
            self.fail(messages.e001(error), error=error)
            outcome["outcome"], outcome["ok"] = f"failed: {error}", False
            return
        summary = next((line.strip() for line in reversed(output.splitlines()) if "static file" in line), "done")
        outcome["outcome"], outcome["ok"] = summary, True
        self.worked.append(f"collectstatic: {summary}")

    def start_migrate(self, workspace: build.Workspace) -> tuple[str, Any] | None:
        """Run migrate on the sqlite copies where the start or release command runs it, as production does."""
        command = next((command for command in project_start_commands(self.context).commands if command.runs_migrate), None)
        where = f"{command.file} line {command.line}" if command is not None else self.platform_build.where("migrate")
        if where is None:
            return None
        if workspace.read_only_aliases:
            self.notes.append(
                f"{where} runs migrate; the rehearsal cannot, on the read-only database {', '.join(workspace.read_only_aliases)}: "
                "pages that need its new tables or columns fail here."
            )
            return None
        self.notes.append(f"{where} runs migrate: the rehearsal runs it on the sqlite copies.")
        return where, self.start_manage(workspace, "migrate", "--noinput")

    def finish_migrate(self, workspace: build.Workspace, started: tuple[str, Any], outcome: dict[str, Any]) -> None:
        where, process = started
        ok, output = self.finish_manage(workspace, "migrate", process)
        if not ok:
            error = build.error_line(output)
            self.fail(messages.e016(where, error), error=error)
            outcome["outcome"], outcome["ok"] = f"failed: {error}", False
            return
        outcome["outcome"], outcome["ok"] = f"as {where} runs it, on the sqlite copies", True
        self.worked.append(f"migrate ({where}) on the sqlite copies")

    def compress(self, workspace: build.Workspace, outcome: dict[str, Any]) -> None:
        ok, output = self.finish_manage(workspace, "compress", self.start_manage(workspace, "compress", "--force"))
        if not ok:
            error = build.error_line(output)
            self.fail(messages.e002(error), error=error)
            outcome["outcome"], outcome["ok"] = f"failed: {error}", False
            return
        outcome["outcome"], outcome["ok"] = "offline compression done", True
        self.worked.append("manage.py compress (COMPRESS_OFFLINE): done")

    def read_urls(self, workspace: build.Workspace, process: Any) -> dict[str, Any]:
        status = self.processes.wait(process, self.bound(BOOT_SECONDS, "listing the URLs"))
        answer = build.read_json_line(workspace.root / "urls.json") if status == 0 else None
        if answer is None:
            error = build.error_line(workspace.log("urls").read_text(encoding="utf-8", errors="replace"))
            self.notes.append(f"The URL patterns could not be listed ({error}); only / is visited first.")
            return {"paths": ["/"], "admin_login": None}
        for error in answer.get("errors", []):
            self.notes.append(f"While listing the URLs: {error}")
        return answer

    # Servers -----------------------------------------------------------------------------------------

    def start_gunicorn(self, workspace: build.Workspace, outcome: dict[str, Any]) -> int | None:
        port = server.free_port()
        try:
            plan = server.plan_gunicorn(self.context, workspace, port, other_host=self.other_host)
        except server.NotRehearsable as exc:
            self.fail(messages.w017("The WSGI server", str(exc)), error=str(exc))
            outcome["outcome"], outcome["ok"] = f"not started: {exc}", False
            return None
        if isinstance(plan, str):
            self.fail(messages.e003("gunicorn", plan), error=plan)
            outcome["outcome"], outcome["ok"] = plan, False
            return None
        self.notes += plan.notes
        self.server_shown = plan.shown
        log = workspace.log("gunicorn")
        self.gunicorn_log = LogReader(log)
        self.gunicorn = self.processes.start(plan.argv, cwd=plan.cwd, environ=plan.environ, log=log)
        boot_seconds = self.bound(BOOT_SECONDS, "starting gunicorn")
        if not server.wait_listening(self.gunicorn, port, time.monotonic() + boot_seconds):
            silent = self.gunicorn.poll() is None
            if silent and boot_seconds < BOOT_SECONDS and self.remaining() <= 0:
                # The rehearsal's own time limit cut the wait short: that is no boot failure of the project.
                raise OutOfTime("starting gunicorn")
            self.server_did_not_start(outcome, f"nothing listened on 127.0.0.1:{port} within {boot_seconds:g} seconds" if silent else None)
            return None
        outcome["outcome"], outcome["ok"] = plan.shown, True
        self.worked.append(f"gunicorn started: {plan.shown}")
        return port

    def server_did_not_start(self, outcome: dict[str, Any], reason: str | None = None) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.processes.stop(self.gunicorn)
        if reason is None:
            text = self.gunicorn_log.text() if self.gunicorn_log else ""
            _, reason = gunicorn_failure(text, self.context.known_secrets())
        self.fail(messages.e003("gunicorn", reason), error=reason)
        outcome["outcome"], outcome["ok"] = f"did not start: {reason}", False
        self.server_stopped = True

    def start_web_server(self, workspace: build.Workspace, upstream_port: int, outcome: dict[str, Any]) -> int | None:
        starters = {"nginx": self.start_nginx, "apache": self.start_apache, "caddy": self.start_caddy}
        return starters[str(self.options.web_server)](workspace, upstream_port, outcome)

    def web_server_missing(self, name: str, what: str, outcome: dict[str, Any]) -> None:
        self.fail(messages.w017(f"{name} in front", f"{what}; the requests go to gunicorn directly"))
        outcome["outcome"], outcome["ok"] = what, False

    def web_server_started(
        self, name: str, process: Any, port: int, site_text: str, outcome: dict[str, Any], *, tls: bool = False
    ) -> int | None:
        """The port once the web server listens (and, with ``tls``, completes a handshake); else its
        error line is the finding."""
        deadline = time.monotonic() + self.bound(BOOT_SECONDS, f"starting {name}")
        ready = server.wait_tls(process, port, deadline) if tls else server.wait_listening(process, port, deadline)
        if not ready:
            self.processes.stop(process)
            text = self.front_log.text() if self.front_log else ""
            lines = server.error_lines(text) or [line.strip() for line in text.splitlines() if line.strip()]
            reason = lines[-1][:800] if lines else f"{name} exited"
            self.fail(messages.e003(name, reason), error=reason)
            outcome["outcome"], outcome["ok"] = f"did not start: {reason}", False
            return None
        outcome["outcome"], outcome["ok"] = f"{name} on 127.0.0.1:{port} in front of gunicorn", True
        limit = server.body_limit_text(site_text)
        self.worked.append(f"{name} started with the generated configuration" + (f" (body limit {limit})" if limit else ""))
        return port

    def start_apache(self, workspace: build.Workspace, upstream_port: int, outcome: dict[str, Any]) -> int | None:
        executable = server.apache_executable()
        if executable is None:
            self.web_server_missing("Apache", "Apache (apache2, httpd) is not installed", outcome)
            return None
        module_dir = server.apache_module_dir()
        if module_dir is None:
            self.web_server_missing("Apache", "Apache's mod_proxy_http is not found", outcome)
            return None
        port = server.free_port()
        certificate = self.make_certificate(workspace)
        self.front_tls = certificate is not None
        site_text, notes = server.apache_site(self.context, workspace, upstream_port, port, certificate)
        self.notes += notes
        site = workspace.root / "apache-site.conf"
        site.write_text(site_text, encoding="utf-8")
        main = server.apache_main(workspace, site, port, module_dir)
        if server.open_to_workers(workspace):
            self.notes.append(
                "Apache's workers do not run as root: the temporary directory is made traversable and its static and media "
                "copies readable for them; everything else in it stays private."
            )
        self.front_log = LogReader(workspace.log("apache-error"))
        process = self.processes.start(
            [executable, "-f", str(main), "-DFOREGROUND"], cwd=workspace.root, environ=workspace.environ, log=workspace.log("apache-error")
        )
        return self.web_server_started("Apache", process, port, site_text, outcome)

    def start_caddy(self, workspace: build.Workspace, upstream_port: int, outcome: dict[str, Any]) -> int | None:
        executable = server.caddy_executable()
        if executable is None:
            self.web_server_missing("Caddy", "Caddy is not installed", outcome)
            return None
        port, http_port = server.free_port(), server.free_port()
        text, notes = server.caddy_file(self.context, workspace, upstream_port, port, http_port, self.host)
        self.notes += notes
        caddyfile = workspace.root / "Caddyfile"
        caddyfile.write_text(text, encoding="utf-8")
        self.front_tls = True
        self.front_log = LogReader(workspace.log("caddy"))
        process = self.processes.start(
            [executable, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
            cwd=workspace.root,
            environ=server.caddy_environ(workspace),
            log=workspace.log("caddy"),
        )
        return self.web_server_started("Caddy", process, port, text, outcome, tls=True)

    def start_nginx(self, workspace: build.Workspace, upstream_port: int, outcome: dict[str, Any]) -> int | None:
        executable = server.nginx_executable()
        if executable is None:
            self.fail(messages.w017("nginx in front", "nginx is not installed here; the requests go to gunicorn directly"))
            outcome["outcome"], outcome["ok"] = "nginx is not installed", False
            return None
        port = server.free_port()
        certificate = self.make_certificate(workspace)
        self.front_tls = certificate is not None
        site_text, notes = server.nginx_site(self.context, workspace, upstream_port, port, certificate)
        self.notes += notes
        site = workspace.root / "nginx-site.conf"
        site.write_text(site_text, encoding="utf-8")
        main = server.nginx_main(workspace, site)
        self.front_log = LogReader(workspace.log("nginx-error"))
        process = self.processes.start(
            [executable, "-p", str(main.parent), "-c", str(main)], cwd=workspace.root, environ=workspace.environ, log=workspace.log("nginx")
        )
        if not server.wait_listening(process, port, time.monotonic() + self.bound(BOOT_SECONDS, "starting nginx")):
            self.processes.stop(process)
            text = workspace.log("nginx").read_text(errors="replace") + self.front_log.text()
            reason = next((line.strip() for line in reversed(text.splitlines()) if "emerg" in line or "error" in line), "nginx exited")
            self.fail(messages.e003("nginx", reason), error=reason)
            outcome["outcome"], outcome["ok"] = f"did not start: {reason}", False
            return None
        limit = server.body_limit_mib(site_text)
        outcome["outcome"], outcome["ok"] = f"nginx on 127.0.0.1:{port} in front of gunicorn", True
        self.worked.append(f"nginx started with the generated configuration (client_max_body_size {limit}m)")
        return port

    def make_certificate(self, workspace: build.Workspace) -> tuple[Path, Path] | None:
        openssl = server.openssl_executable()
        if openssl is None:
            return None
        argv, files = server.certificate_command(openssl, self.host, workspace.root / "tls")
        files[0].parent.mkdir(exist_ok=True)
        process = self.processes.start(argv, cwd=workspace.root, environ=workspace.environ, log=workspace.log("openssl"))
        status = self.processes.wait(process, self.bound(BUILD_SECONDS, "making a certificate"))
        return files if status == 0 and all(path.is_file() for path in files) else None

    # Requests ----------------------------------------------------------------------------------------

    def timeout(self, stage: str) -> float:
        return self.bound(self.options.timeout, stage)

    def request(self, front: Front, kind: str, method: str, path: str, **kwargs: Any) -> tuple[Followed, list[dict[str, Any]]]:
        if self.gunicorn_log:
            self.gunicorn_log.read_new()
        if self.front_log:
            self.front_log.read_new()
        followed = front.follow(method, front.url(path), timeout=self.timeout(f"{method} {path}"), **kwargs)
        records = log_records(self.gunicorn_log.read_new() if self.gunicorn_log else "")
        answer = followed.answer
        self.visits.append(
            visit_of(method, front.url(path), kind, answer, redirects=followed.chain[1:], error=answer.error or logged_error(records))
        )
        return followed, records

    def judge(self, followed: Followed, records: list[dict[str, Any]], method: str, path: str) -> bool:
        """Record the failure a response shows, if any; True when the answer is a usable one."""
        shown = f"{method} {path}"
        answer = followed.answer
        error = logged_error(records)
        if answer.status is None:
            if self.gunicorn is not None and server.wait_exit(self.gunicorn, 2.0):
                _, reason = gunicorn_failure(self.gunicorn_log.text() if self.gunicorn_log else "", self.context.known_secrets())
                self.fail(messages.e003("gunicorn", reason), url=path, error=reason)
                self.server_stopped = True
            else:
                self.fail(messages.e012(shown, answer.error or "no answer"), url=path, error=answer.error)
            return False
        if followed.loop:
            chain = " -> ".join(followed.chain[-3:])
            self.fail(messages.e006(shown, chain), url=path, status=answer.status, error=error)
            return False
        status = answer.status
        if shows_debug_page(answer):
            self.fail(messages.e010(shown), url=path, status=status)
        if status == 400 and error and ("ALLOWED_HOSTS" in error or "HTTP_HOST" in error):
            self.fail(messages.e005(shown, error), url=path, status=400, error=error)
            return False
        if status == 403 and method == "POST":
            reason = error or "Forbidden"
            self.fail(messages.e007(shown, reason), url=path, status=403, error=reason)
            return False
        if status >= 500:
            if predict.needs_writable_database(error):
                self.fail(messages.w011(shown, error or ""), url=path, status=status, error=error)
                return False
            if predict.needs_outside_service(error):
                self.fail(messages.w015(shown, error or ""), url=path, status=status, error=error)
                return False
            reason = error or self.front_error(status)
            self.fail(messages.e004(shown, status, reason), url=path, status=status, error=reason)
            return False
        return True

    def front_error(self, status: int) -> str:
        text = self.front_log.read_new() if self.front_log else ""
        lines = server.error_lines(text)
        return lines[-1] if lines else f"{status} without an error in the server's log"

    def requests(self, front: Front, workspace: build.Workspace, listed: dict[str, Any]) -> None:
        static_prefix = url_path(self.context.setting("STATIC_URL"))
        media_prefix = url_path(self.context.setting("MEDIA_URL"))
        paths = [str(path) for path in listed.get("paths", [])]
        queue = ["/", *(path for path in paths if path != "/")] if "/" in paths or not paths else paths
        kinds = dict.fromkeys(queue, "page")
        visited: set[str] = set()
        statics: dict[str, str] = {}
        pages_ok = []
        while queue and len(visited) < self.options.max_pages and not self.server_stopped:
            path = queue.pop(0)
            if path in visited:
                continue
            visited.add(path)
            followed, records = self.request(front, kinds.get(path, "link"), "GET", path)
            if not self.judge(followed, records, "GET", path):
                continue
            pages_ok.append(f"{path} {followed.answer.status}")
            if not is_html(followed.answer) or followed.answer.status != 200:
                continue
            page = parse_page(followed.answer.body)
            for reference in page.assets:
                target = same_host_path(reference, followed.final_url, self.host)
                if target and static_prefix and target.startswith(static_prefix):
                    statics.setdefault(target, f"on {path}")
            for reference in page.links:
                target = same_host_path(reference, followed.final_url, self.host)
                if target is None or target in visited or target in kinds:
                    continue
                if static_prefix and target.startswith(static_prefix):
                    statics.setdefault(target, f"on {path}")
                elif not (media_prefix and target.startswith(media_prefix)):
                    kinds[target] = "link"
                    queue.append(target)
        if pages_ok:
            shown = ", ".join(pages_ok[:12]) + (f" and {len(pages_ok) - 12} more" if len(pages_ok) > 12 else "")
            self.worked.append(f"pages: {shown}")
        if queue and len(visited) >= self.options.max_pages:
            self.notes.append(f"{len(queue)} more pages were found but not visited (--max-pages {self.options.max_pages}).")
        if self.server_stopped:
            return
        self.static_files(front, statics)
        admin_login = listed.get("admin_login")
        if admin_login and not self.server_stopped:
            self.admin_login(front, str(admin_login))
        if not self.server_stopped:
            self.unknown_url(front)
        if workspace.media_file and media_prefix and not self.server_stopped:
            self.media_file(front, media_prefix + urllib.parse.quote(workspace.media_file))
        if self.options.web_server and self.front_log is not None and not self.server_stopped:
            self.upload_limit(front, str(admin_login or "/"))

    def static_files(self, front: Front, statics: dict[str, str]) -> None:
        """Each static file the pages reference, then those their stylesheets reference."""
        served = []
        queue = list(statics.items())
        seen = set(statics)
        static_prefix = url_path(self.context.setting("STATIC_URL")) or "/static/"
        while queue and len(seen) <= MAX_STATIC_FILES:
            path, page = queue.pop(0)
            answer = front.send("GET", front.url(path), headers={"Accept-Encoding": "gzip, br"}, timeout=self.timeout(f"GET {path}"))
            self.visits.append(visit_of("GET", front.url(path), "static", answer, error=answer.error))
            if answer.status == 200:
                served.append(answer)
            elif answer.status is None:
                self.fail(messages.e012(f"GET {path}", answer.error or "no answer"), url=path, error=answer.error)
            else:
                self.fail(messages.e008(f"GET {path}", answer.status, page), url=path, status=answer.status)
            text = stylesheet_text(answer)
            if text is None:
                continue
            for reference in stylesheet_references(text):
                target = same_host_path(reference, front.url(path), self.host)
                if target and target.startswith(static_prefix) and target.split("?")[0] not in seen:
                    seen.add(target.split("?")[0])
                    queue.append((target.split("?")[0], f"in {path}"))
        if served:
            compressed = sum(1 for answer in served if answer.header("Content-Encoding"))
            cached = sorted({answer.header("Cache-Control") or "no Cache-Control" for answer in served})
            self.worked.append(
                f"static files: {len(served)} of {len(seen)} served (200), {compressed} compressed; Cache-Control: {'; '.join(cached)}"
            )

    def admin_login(self, front: Front, path: str) -> None:
        followed, records = self.request(front, "admin", "GET", path)
        if not self.judge(followed, records, "GET", path) or followed.answer.status != 200:
            return
        token = parse_page(followed.answer.body).csrf_token
        if not token:
            self.notes.append(f"The admin's login page {path} has no CSRF token; the login POST was not tried.")
            return
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "ddc-rehearsal", "password": random_tokens.token_urlsafe(12), "next": path}
        ).encode()
        final_path = urllib.parse.urlsplit(followed.final_url).path or path
        origin = f"{front.scheme}://{self.host}"
        headers = {"Origin": origin, "Referer": origin + final_path, "Content-Type": "application/x-www-form-urlencoded"}
        posted, records = self.request(front, "admin", "POST", final_path, headers=headers, body=form)
        if self.judge(posted, records, "POST", final_path):
            self.worked.append(f"admin login: GET {path} {followed.answer.status}, POST {posted.answer.status} (CSRF and Origin accepted)")

    def unknown_url(self, front: Front) -> None:
        path = f"/ddc-rehearsal-{random_tokens.token_hex(6)}/"
        followed, records = self.request(front, "unknown", "GET", path)
        if not self.judge(followed, records, "GET", path):
            return
        answer = followed.answer
        if shows_debug_page(answer):
            return
        default = b"The requested resource was not found on this server." in answer.body
        page = "Django's default Not Found page" if default else "the project's own page"
        self.worked.append(f"unknown URL: {answer.status} with {page}")

    def media_file(self, front: Front, path: str) -> None:
        followed, records = self.request(front, "media", "GET", path)
        if not self.judge(followed, records, "GET", path):
            return
        if followed.answer.status == 200:
            self.worked.append(f"media: GET {path} 200")
        else:
            self.fail(messages.e009(f"GET {path}", followed.answer.status or 0), url=path, status=followed.answer.status)

    def upload_limit(self, front: Front, path: str) -> None:
        limit = self.context.setting("DATA_UPLOAD_MAX_MEMORY_SIZE", 2621440)
        size = limit if isinstance(limit, int) and 0 < limit <= 64 * 1024 * 1024 else 2621440
        body = b"x" * size
        answer: Answer = front.send(
            "POST", front.url(path), headers={"Content-Type": "application/octet-stream"}, body=body, timeout=self.timeout(f"POST {path}")
        )
        self.visits.append(Visit("POST", front.url(path), "upload", answer.status, round(answer.seconds, 3), error=answer.error))
        if answer.status == 413:
            self.fail(messages.e013(f"POST {path}", 413, f"{size // 1024} KiB"), url=path, status=413)
        elif answer.status is not None:
            self.worked.append(f"upload size: a {size // 1024} KiB body passes {self.options.web_server} (answered {answer.status})")

    # Result ------------------------------------------------------------------------------------------

    def result(self) -> Rehearsal:
        debug = self.context.setting("DEBUG", False)
        project = {
            "base_dir": str(self.context.base_dir),
            "settings_module": self.context.settings_module,
            "platform": self.context.platform.platform,
            "platform_title": self.context.platform.title,
            "debug": debug if isinstance(debug, bool) else repr(debug),
            "host": self.host,
            "host_source": self.host_source,
            "front": self.topology,
            "server": self.server_shown,
            "web_server": self.options.web_server,
        }
        rehearsal = Rehearsal(
            project=project,
            stages=tuple(self.stages),
            failures=tuple(self.failures),
            visits=tuple(self.visits),
            notes=tuple(dict.fromkeys([f"Host: {self.host} ({self.host_source}); front: {self.topology}.", *self.notes])),
            worked=tuple(self.worked),
        )
        return masking.scrub(rehearsal, self.context.known_secrets())


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C waits while the processes are stopped and the directory removed (a second one would
    leave them behind); it is delivered after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def rehearse(options: Options, progress: Callable[[str], None] | None = None) -> Rehearsal:
    """Rehearse the project whose settings this process has loaded."""
    if not hasattr(os, "killpg"):
        raise RuntimeError("it needs a POSIX system (Linux, macOS): its servers run in process groups of their own")
    context = build_context(databases=options.databases, timeout=options.timeout, target=options.target)
    rehearser = Rehearser(context, options, progress or (lambda stage: None))
    root = Path(tempfile.mkdtemp(prefix="ddc-rehearsal-"))
    try:
        rehearser.run(root)
    finally:
        with uninterrupted():
            shutil.rmtree(root, ignore_errors=True)
    return rehearser.result()
