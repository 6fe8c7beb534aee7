"""ExplainCommand: options, then collect -> check -> explain -> render, for one or more concerns."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_deploy_concepts import masking, renderers, runner, target
from django_deploy_concepts.context import build_context
from django_deploy_concepts.helpers import describe_exception
from django_deploy_concepts.report import Finding

FAIL_LEVELS = {
    "CRITICAL": checks.CRITICAL,
    "ERROR": checks.ERROR,
    "WARNING": checks.WARNING,
    "INFO": checks.INFO,
    "DEBUG": checks.DEBUG,
}
DEFAULT_TIMEOUT = 5.0


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds <= 600:
        raise argparse.ArgumentTypeError("the timeout must be more than 0 and at most 600 seconds")
    return seconds


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send whatever is printed meanwhile (the project's code, its loggers bound to stdout, child
    processes) to stderr, at the Python and the file descriptor level, so stdout carries only the report."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no usable descriptor 1 or 2: the Python-level redirect still holds
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def terminal_width() -> int:
    """The terminal's width (COLUMNS first, as shutil reads it), or renderers.WIDTH when not a terminal."""
    return shutil.get_terminal_size((renderers.WIDTH, 24)).columns


def public_hostname(value: str) -> str:
    if not target.is_bare_hostname(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a bare public hostname such as shop.example.org")
    return value.lower()


def declared_target(options: dict[str, Any]) -> target.Target:
    """DEPLOY_CONCEPTS with the command-line options that override it."""
    return target.with_options(target.get_target(), **{key: options.get(key) for key in target.KEYS})


def add_target_arguments(parser: CommandParser, *, fail: str, verb: str, hosts: str, proxy: str, inspection: str = "") -> None:
    """The options every command shares: --format, --fail-level, and the target that overrides DEPLOY_CONCEPTS."""
    parser.add_argument("--format", choices=renderers.FORMATS, default="text", dest="output_format", help="Output format (default: text).")
    parser.add_argument("--fail-level", choices=tuple(FAIL_LEVELS), help=f"Exit with status 1 when {fail}")
    parser.add_argument(
        "--platform",
        choices=target.PLATFORMS,
        help=f"{verb} for this hosting platform instead of the detected or declared one (DEPLOY_CONCEPTS['platform']).",
    )
    parser.add_argument(
        "--host",
        action="append",
        dest="hosts",
        type=public_hostname,
        metavar="HOSTNAME",
        help=f"{hosts}; overrides DEPLOY_CONCEPTS['hosts'].",
    )
    parser.add_argument("--proxy", choices=target.PROXIES, help=f"{proxy}; overrides DEPLOY_CONCEPTS['proxy'].")
    for option, key, what in (
        ("--static-served-by", "static_served_by", "Who serves static files in production"),
        ("--media-served-by", "media_served_by", "Who serves uploads (media) in production"),
    ):
        parser.add_argument(option, choices=target.SERVERS, help=f"{what}{inspection}; overrides DEPLOY_CONCEPTS[{key!r}].")
    parser.add_argument(
        "--requirements",
        action="append",
        metavar="FILE",
        help=f"A requirements file the build installs (repeatable){inspection}; overrides DEPLOY_CONCEPTS['requirements'].",
    )


def database_aliases(options: dict[str, Any]) -> tuple[str, ...]:
    if options.get("offline"):
        return ()
    if options["databases"]:
        return tuple(options["databases"])
    from django.db import connections

    try:
        return tuple(connections)
    except Exception:  # noqa: BLE001 - a broken DATABASES setting is the database concern's finding
        return ()


def failed_to(what: str, exc: Exception) -> CommandError:
    """The command's one-line error for an unexpected exception: never a traceback, secrets masked."""
    return CommandError(masking.scrub_text(f"Could not {what}: {describe_exception(exc)}", masking.known_secrets()), returncode=2)


def check_fail_level(findings: Iterable[Finding], fail_level: str | None, noun: str) -> None:
    """Exit with status 1, as `check --fail-level` does, when a finding is at ``fail_level`` or above."""
    if fail_level is not None:
        failing = [finding for finding in findings if finding.numeric_level >= FAIL_LEVELS[fail_level]]
        if failing:
            raise CommandError(f"{len(failing)} {noun}(s) at level {fail_level} or above.", returncode=1)


class ExplainCommand(BaseCommand):
    concerns: ClassVar[tuple[str, ...]] = ()
    # They must run on a broken project to explain it, so Django's checks must not stop them first.
    requires_system_checks: ClassVar[list[str]] = []  # type: ignore[misc]
    brief_option = False

    def add_arguments(self, parser: CommandParser) -> None:
        add_target_arguments(
            parser,
            fail="a finding at this level or above is reported, as `check --fail-level` does. By default the command only explains and exits 0.",
            verb="Explain",
            hosts="A public hostname of the site (repeatable)",
            proxy="Where the proxy in front of the WSGI server runs",
        )
        parser.add_argument(
            "--database",
            action="append",
            dest="databases",
            metavar="ALIAS",
            help="Connect only to this database alias (repeatable). By default every configured alias is inspected.",
        )
        parser.add_argument("--offline", action="store_true", help="Open no database connection and make no network request.")
        parser.add_argument(
            "--timeout",
            type=positive_seconds,
            default=DEFAULT_TIMEOUT,
            help=f"Bound, in seconds, on each network operation such as a database connection (default: {DEFAULT_TIMEOUT:g}); "
            "gunicorn's configuration check gets at least 15.",
        )
        if self.brief_option:
            parser.add_argument("--brief", action="store_true", help="Show only the request path and one status line per concern.")
            parser.add_argument(
                "--full",
                action="store_true",
                help="After the items to fix first, explain every concern: the concept, what was found, and each step.",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        # JSON on stdout is read by programs: whatever runs meanwhile prints to stderr instead.
        quiet = stdout_to_stderr() if options["output_format"] == "json" else contextlib.nullcontext()
        try:
            with quiet:
                context = build_context(
                    databases=database_aliases(options),
                    platform=options["platform"],
                    timeout=options["timeout"],
                    target=declared_target(options),
                )
                report = runner.build_report(context, self.concerns)
        except Exception as exc:  # noqa: BLE001 - the command explains a broken project; it never shows a traceback
            raise failed_to("inspect the project", exc) from None
        if "checklist" not in self.concerns:
            # The settings concern reports a wrong DEPLOY_CONCEPTS (deploy_checklist.E031); say it here too.
            for error in context.target.errors:
                self.stderr.write(f"{target.ERROR_ID}: {error}")
        output = renderers.render(
            report,
            options["output_format"],
            style=self.style,
            brief=options.get("brief", False),
            verbosity=options["verbosity"],
            full=options.get("full", False),
            width=terminal_width(),
        )
        self.stdout.write(output, ending="")
        check_fail_level(report.findings, options["fail_level"], "finding")
