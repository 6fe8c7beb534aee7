"""gunicorn: will it start, with which settings, and with how many workers on this machine?

Each gunicorn start command (and a gunicorn.conf.py) is run for real as
``gunicorn --check-config --print-config ...`` in the directory it runs in: gunicorn reads its
configuration, prints the settings it ends up with, and imports the application the way its
workers will, then exits without listening. It runs in ``django_deploy_concepts.sandbox``, which
refuses the database aliases this run may not use, and with ``--offline`` the network, as for
loading WSGI_APPLICATION. Bounded by --timeout, but never below MIN_CHECK_SECONDS (loading a
project takes that long on a busy CI machine); output masked.
https://docs.gunicorn.org/en/stable/settings.html
"""

from __future__ import annotations

import ast
import concurrent.futures
import contextlib
import dataclasses
import importlib.metadata
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from django.core.checks import CheckMessage, Error

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.wsgi import commands
from django_deploy_concepts.concerns.wsgi.facts import Cpus, Facts, GunicornCheck, GunicornFacts, StartCommand
from django_deploy_concepts.concerns.wsgi.servers import gunicorn_has_asgi_worker
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

MIN_CHECK_SECONDS = 15.0  # docs/checks/wsgi.rst and --timeout's help say so
MAX_CHECKS = 4
MAX_ERROR = 300
# What is read of each output: --print-config prints a few KB.
MAX_OUTPUT_BYTES = 1 << 20
# The port the check announces in $PORT, to see whether the configuration binds to it.
PORT_SENTINEL = "50437"
PRINTED_SETTING = re.compile(r"^(?P<name>[a-z_]+)\s+= (?P<value>.*)$")
# The sandbox's own alarm rings after ours: a timeout is always seen as one here.
CHILD_MARGIN_SECONDS = 2.0
# A check stopped by a connection this run refused (stage "refused") says so in its error.
NOT_VERIFIED = "not verified: "
LOADING = "loading the application"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Warning)\b.*")


# CPUs -------------------------------------------------------------------------------------------------


def cgroup_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The CPU limit of this process's cgroup, in cores: v2 ``cpu.max``, else v1 cfs quota."""
    candidates = []
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                candidates.append(root / line[3:].lstrip("/") / "cpu.max")
    except OSError:
        pass
    candidates.append(root / "cpu.max")
    for path in candidates:
        try:
            fields = path.read_text().split()
        except OSError:
            continue
        if len(fields) < 2 or fields[0] == "max":
            return None
        try:
            return int(fields[0]) / int(fields[1])
        except (ValueError, ZeroDivisionError):
            return None
    try:
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def machine_cpus() -> Cpus:
    os_count = os.cpu_count()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    quota = cgroup_quota()
    limits = [value for value in (os_count, affinity, math.ceil(quota) if quota else None) if value]
    usable = max(min(limits), 1) if limits else 1
    return Cpus(os_count, affinity, quota, usable, 2 * usable + 1)


# gunicorn --check-config, run for real ----------------------------------------------------------------------------------


def gunicorn_version() -> str | None:
    try:
        return importlib.metadata.version("gunicorn")
    except importlib.metadata.PackageNotFoundError:
        return None


def expand(word: str, environ: Mapping[str, str]) -> str:
    """``$VAR``, ``${VAR}`` and ``${VAR:-default}`` as a shell would expand them from ``environ``."""

    def replace(match: re.Match[str]) -> str:
        body = match[0][1:]
        if body.startswith("{"):
            body = body[1:-1]
            name, _, default = body.partition(":-")
            if ":-" not in body:
                name, _, default = body.partition("-")
            value = environ.get(name)
            return value if value else default
        return environ.get(body, "")

    return commands.VARIABLE.sub(replace, word)


def parse_printed(stdout: str) -> dict[str, str]:
    printed: dict[str, str] = {}
    for line in stdout.splitlines():
        match = PRINTED_SETTING.match(line)
        if match:
            printed[match["name"]] = match["value"].strip()
    return printed


def literal(value: str | None) -> object:
    if value is None:
        return None
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value


def as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_words(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    if isinstance(value, str) and value:
        return tuple(part.strip() for part in value.split(","))
    return ()


def failure(stderr: str, secrets: frozenset[str]) -> tuple[str, str]:
    """(stage, the line that says why) from gunicorn's stderr."""
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    stage = "config"
    if any("Error while loading the application" in line for line in lines):
        stage = "application"
    reason = next((line.strip() for line in reversed(lines) if EXCEPTION_LINE.match(line.strip())), None)
    if reason is None:
        reason = next((line.strip() for line in reversed(lines) if line.strip().startswith(("Error:", "gunicorn: error", "error:"))), None)
    if reason is None:
        reason = lines[-1].strip() if lines else "gunicorn exited without saying why"
    reason = masking.scrub_text(masking.mask_url(reason), secrets)
    return stage, reason[:MAX_ERROR]


def run_bounded(argv: Sequence[str], cwd: Path, environ: Mapping[str, str], timeout: float) -> tuple[int | None, str, str]:
    """(exit status, or None when killed at the bound; stdout; stderr) of one run in a session of its own.

    The output goes to temporary files, not pipes: a process that gunicorn.conf.py starts in a
    session of its own outlives the kill and would hold a pipe open. Whatever is left in the
    process group at the end is killed, after an exit as after the bound.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(environ), stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True
        )
        try:
            status: int | None = process.wait(timeout)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        return status, read_output(stdout), read_output(stderr)


def read_output(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read(MAX_OUTPUT_BYTES).decode(errors="replace")


def check_environment(context: ProjectContext) -> dict[str, str]:
    environ = dict(context.environ)
    # The check imports the project: no bytecode files are written into it.
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    if context.platform_info.port_env == "PORT":
        environ["PORT"] = PORT_SENTINEL
    return environ


def read_verdict(
    check: GunicornCheck, status: int | None, stdout: str, stderr: str, environ: Mapping[str, str], secrets: frozenset[str], timeout: float
) -> GunicornCheck:
    """``check`` completed with what gunicorn printed and how it ended."""
    printed = parse_printed(stdout)
    bind = as_words(literal(printed.get("bind")))
    config = printed.get("config")
    config_path = Path(check.cwd) / config if config and not config.startswith("python:") else None
    result = dataclasses.replace(
        check,
        stage="timeout",
        error=f"gunicorn did not finish within {timeout:g} seconds",
        bind=bind,
        workers=as_int(literal(printed.get("workers"))),
        worker_class=printed.get("worker_class"),
        threads=as_int(literal(printed.get("threads"))),
        timeout=as_int(literal(printed.get("timeout"))),
        forwarded_allow_ips=as_words(literal(printed.get("forwarded_allow_ips"))),
        config_file=config if config and (config_path is None or config_path.is_file()) else None,
        binds_to_port_env=any(PORT_SENTINEL in item for item in bind) if "PORT" in environ and bind else None,
    )
    if status is None:
        return result
    if status == 0:
        return dataclasses.replace(result, loads=True, stage="ok", error=None)
    stage, reason = failure(stderr, secrets)
    return dataclasses.replace(result, loads=False, stage=stage, error=reason)


@dataclasses.dataclass(frozen=True)
class PlannedCheck:
    """One ``gunicorn --check-config`` to run: ``check`` says how, and is the verdict when gunicorn cannot even start."""

    check: GunicornCheck
    # gunicorn's own arguments, from --check-config on.
    argv: tuple[str, ...]
    environ: dict[str, str]
    timeout: float
    # The database aliases the check may connect to; none: --offline, the network is refused too.
    databases: tuple[str, ...] = ()


def plan_check(context: ProjectContext, *, source: str, file: str, line: int | None, arguments: Sequence[str], cwd: Path) -> PlannedCheck:
    """``gunicorn --check-config`` for one command, in the directory it runs in."""
    environ = check_environment(context)
    words = [expand(word, environ) for word in arguments]
    # --pythonpath is applied only after --check-config returns; the real run has it earlier.
    options, _ = commands.parse_options(words, ("--pythonpath",))
    extra_paths = [str((cwd / path).resolve()) for value in options.get("--pythonpath", []) for path in value.split(",") if path]
    if extra_paths:
        environ["PYTHONPATH"] = os.pathsep.join([*extra_paths, environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    shown = " ".join(["gunicorn", "--check-config", *arguments])
    return PlannedCheck(
        GunicornCheck(source, file, line, shown, str(cwd), None, "error", None),
        ("--check-config", "--print-config", *words),
        environ,
        max(context.timeout, MIN_CHECK_SECONDS),
        tuple(context.databases),
    )


def sandboxed(planned: PlannedCheck, result_path: str) -> list[str]:
    """The command line of the check: gunicorn's entry point in the sandbox, with its refusals."""
    request = {"databases": list(planned.databases), "offline": not planned.databases, "bound": planned.timeout + CHILD_MARGIN_SECONDS}
    return [
        sys.executable,
        "-B",
        "-m",
        "django_deploy_concepts.sandbox",
        "--gunicorn-check",
        result_path,
        json.dumps(request),
        *planned.argv,
    ]


def read_sandbox_result(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
    except (OSError, ValueError):
        return {}
    return result if isinstance(result, dict) else {}


def run_check(planned: PlannedCheck, secrets: frozenset[str]) -> GunicornCheck:
    with tempfile.TemporaryDirectory(prefix="deploy-concepts-") as directory:
        result_path = os.path.join(directory, "result.json")
        try:
            status, stdout, stderr = run_bounded(sandboxed(planned, result_path), Path(planned.check.cwd), planned.environ, planned.timeout)
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in an argument
            return dataclasses.replace(planned.check, error=f"could not run gunicorn: {exc}")
        result = read_sandbox_result(result_path)
    verdict = read_verdict(planned.check, status, stdout, stderr, planned.environ, secrets, planned.timeout)
    if status is not None and not result.get("started"):
        # The sandbox did not get as far as gunicorn: its failure says nothing about the configuration.
        why = result.get("error") or failure(stderr, secrets)[1]
        return dataclasses.replace(verdict, loads=None, stage="error", error=f"could not run gunicorn: {why}"[:MAX_ERROR])
    if verdict.loads is not False:
        return verdict
    from django_deploy_concepts.concerns.wsgi.application import READ_ONLY_ERRORS  # application imports this module

    # It failed because a connection was refused, or a write to a database opened read-only:
    # whether it loads otherwise is not known.
    refused = [str(entry) for entry in result.get("refused") or () if entry]
    while_doing = LOADING if verdict.stage == "application" else "reading its configuration"
    if refused:
        reason = unverified(while_doing, masking.scrub_text(masking.mask_url(" ".join(refused[0].split())), secrets))
    elif any(words in (verdict.error or "").lower() for words in READ_ONLY_ERRORS):
        reason = f"it writes to the database while {while_doing}, and this run opens databases read-only"
    else:
        return verdict
    return dataclasses.replace(verdict, loads=None, stage="refused", error=f"{NOT_VERIFIED}{reason}"[:MAX_ERROR])


def unverified(while_doing: str, refused: str) -> str:
    return f"it opens a connection while {while_doing} ({refused}), which this run may not open"


def expected_path(wsgi_application: str | None) -> str | None:
    if not wsgi_application or "." not in wsgi_application:
        return None
    module, _, attribute = wsgi_application.rpartition(".")
    return f"{module}:{attribute}"


def start_gunicorn(
    context: ProjectContext, start_commands: Sequence[StartCommand], wsgi_application: str | None, secrets: frozenset[str]
) -> Callable[[], GunicornFacts]:
    """Start checking each gunicorn command; the function returned waits for the checks' end.

    The checks run at once, each in a thread that waits for its bounded process, while this
    thread collects the rest of the facts.
    """
    version = gunicorn_version()
    config_file = context.files.get("gunicorn.conf.py")
    planned: list[PlannedCheck] = []
    not_checked: list[str] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for command in start_commands:
        if command.server != "gunicorn":
            continue
        where = f"{command.file} line {command.line}"
        if version is None:
            not_checked.append(f"{where}: gunicorn is not installed in this environment")
            continue
        if command.working_dir is None or not Path(command.working_dir).is_dir():
            not_checked.append(f"{where}: the directory it runs in is not known here (a container or server path)")
            continue
        key = (command.working_dir, command.arguments)
        if key in seen:
            continue
        if len(seen) >= MAX_CHECKS:
            not_checked.append(f"{where}: only {MAX_CHECKS} gunicorn commands are checked per run")
            continue
        seen.add(key)
        planned.append(
            plan_check(
                context, source=where, file=command.file, line=command.line, arguments=command.arguments, cwd=Path(command.working_dir)
            )
        )
    if config_file is not None and config_file.text is not None and not planned and version is not None:
        # No start command names gunicorn: check the configuration with the project's own application.
        path = expected_path(wsgi_application)
        arguments = [path] if path else []
        source = config_file.relative_path
        planned.append(plan_check(context, source=source, file=source, line=None, arguments=arguments, cwd=Path(config_file.path).parent))

    running: list[concurrent.futures.Future[GunicornCheck]] = []
    if planned:
        # Not a `with` block: leaving it would wait for the checks here.
        pool = concurrent.futures.ThreadPoolExecutor(len(planned), thread_name_prefix="gunicorn-check")
        running = [pool.submit(run_check, check, secrets) for check in planned]
        pool.shutdown(wait=False)

    def facts() -> GunicornFacts:
        return GunicornFacts(
            version=version,
            checks=tuple(check.result() for check in running),
            not_checked=tuple(not_checked),
            cpus=machine_cpus(),
            config_file=None if config_file is None else config_file.relative_path,
        )

    return facts


# Checks --------------------------------------------------------------------------------------------


def check_for(facts: Facts, command: StartCommand) -> GunicornCheck | None:
    return next((check for check in facts.gunicorn.checks if check.file == command.file and check.line == command.line), None)


def e009(check: GunicornCheck) -> Error:
    return Error(
        f"gunicorn rejects the configuration of {check.source}: {check.error}",
        hint=f"Run `{check.command_line}` in {check.cwd} and fix what it reports.",
        id="deploy_wsgi.E009",
    )


def check_gunicorn_configuration(facts: Facts) -> list[CheckMessage]:
    return [e009(check) for check in facts.gunicorn.checks if check.stage == "config"]


def check_gunicorn_refused(facts: Facts) -> list[CheckMessage]:
    """I017 for a check stopped by a refused connection or write, unless loading WSGI_APPLICATION says it already."""
    from django_deploy_concepts.concerns.wsgi.application import i017  # application imports this module

    # Loading WSGI_APPLICATION stopped by a refusal already says it of an application that does the same.
    said = bool(facts.wsgi.unverified and facts.wsgi.refused)
    return [
        i017(f"`{check.command_line}` ({check.source})", (check.error or "").removeprefix(NOT_VERIFIED))
        for check in facts.gunicorn.checks
        if check.stage == "refused" and not (said and f"while {LOADING}" in (check.error or ""))
    ]


CHECKS = (check_gunicorn_configuration, check_gunicorn_refused)


# Explanation ------------------------------------------------------------------------------------------


def describe_check(check: GunicornCheck) -> str:
    if check.loads is None:
        return f"`{check.command_line}` in {check.cwd}: {check.error}"
    if not check.loads:
        return f"`{check.command_line}` in {check.cwd} fails: {check.error}"
    settings = [
        f"bind {', '.join(check.bind).replace(PORT_SENTINEL, '$PORT')}" if check.bind else "",
        f"{check.workers} worker(s)" if check.workers is not None else "",
        f"worker class {check.worker_class}" if check.worker_class else "",
        f"{check.threads} thread(s)" if check.threads and check.threads > 1 else "",
        f"timeout {check.timeout} s" if check.timeout is not None else "",
        f"forwarded-allow-ips {','.join(check.forwarded_allow_ips)}" if check.forwarded_allow_ips else "",
        f"config {check.config_file}" if check.config_file else "no config file",
    ]
    return f"loads, with {'; '.join(part for part in settings if part)}"


def describe_cpus(cpus: Cpus) -> str:
    details = [f"os.cpu_count() {cpus.os_count}"]
    if cpus.affinity is not None:
        details.append(f"usable by this process {cpus.affinity}")
    details.append(f"container quota {cpus.cgroup_quota:g} cores" if cpus.cgroup_quota else "no container CPU quota")
    return f"{cpus.usable} ({', '.join(details)}): 2 x {cpus.usable} + 1 = {cpus.recommended_workers} workers"


def listen_address(platform_kind: str, port_env: str | None, fly_port: int | None) -> str:
    if port_env:
        return f"0.0.0.0:${port_env}"
    if fly_port:
        return f"0.0.0.0:{fly_port}"
    if platform_kind in ("paas", "container"):
        return "0.0.0.0:8000"
    # A server of your own: nginx in front, on the same machine.
    return "127.0.0.1:8000"


def recommended_command(
    application_path: str,
    *,
    platform_kind: str,
    port_env: str | None,
    fly_port: int | None,
    terminates_tls: bool,
    workers: int,
    worker_class: str | None = None,
) -> str:
    """The gunicorn command line for this project and platform."""
    parts = ["gunicorn", application_path]
    if worker_class:
        parts += ["--worker-class", worker_class]
    parts += ["--bind", listen_address(platform_kind, port_env, fly_port)]
    parts += ["--workers", f"${{WEB_CONCURRENCY:-{workers}}}" if platform_kind == "paas" else str(workers)]
    parts += ["--timeout", "30"]
    if terminates_tls and platform_kind == "paas":
        # Only the platform's router can reach the app, so its X-Forwarded-Proto can be trusted.
        parts.append("--forwarded-allow-ips='*'")
    return " ".join(parts)


def serving_path(facts: Facts) -> str:
    path = expected_path(facts.wsgi_application) if not facts.wsgi_application_error else None
    return path or f"{facts.project_package}.wsgi:application"


def asgi_path(facts: Facts) -> str | None:
    asgi = facts.asgi.asgi
    if asgi.path and not asgi.error and "." in asgi.path:
        return expected_path(asgi.path)
    return f"{facts.asgi.asgi_module}:application" if facts.asgi.asgi_module else None


def wants_asgi(facts: Facts) -> bool:
    return bool(facts.asgi.async_view_count or facts.asgi.channels_installed or (facts.asgi.asgi.path and not facts.asgi.asgi.error))


def command_for(facts: Facts, *, asgi: bool = False) -> str:
    worker_class = None
    path = serving_path(facts)
    if asgi and asgi_path(facts):
        path = asgi_path(facts) or path
        worker_class = "asgi" if gunicorn_has_asgi_worker(facts.gunicorn.version) else "uvicorn_worker.UvicornWorker"
    return recommended_command(
        path,
        platform_kind=facts.platform.kind,
        port_env=facts.platform.port_env,
        fly_port=facts.fly.internal_port if facts.fly else None,
        terminates_tls=facts.platform.terminates_tls,
        workers=facts.gunicorn.cpus.recommended_workers,
        worker_class=worker_class,
    )


def found(facts: Facts, *, with_command_line: bool) -> list[Fact]:
    checks_found = [
        Fact(f"gunicorn --check-config ({check.source})", describe_check(check), check.loads) for check in facts.gunicorn.checks
    ]
    checks_found += [Fact("Not checked with gunicorn", reason, None) for reason in facts.gunicorn.not_checked]
    checks_found.append(Fact("CPUs for workers on this machine", describe_cpus(facts.gunicorn.cpus), None))
    if with_command_line:
        checks_found.append(Fact("gunicorn command line for this project", command_for(facts), None))
    return checks_found


def config_step(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step(f"Fix the gunicorn configuration ({check.source}).", check.error or "", f"cd {check.cwd}\n{check.command_line}", "shell")
        for check in facts.gunicorn.checks
        if check.stage == "config"
    ]


# From the facts alone: gunicorn's own configuration check (E009 reports the same).
FIX_CONFIG = Fix(frozenset(), config_step)
