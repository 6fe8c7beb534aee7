"""rehearse_deploy: run the project as production will, on this machine, and report what really fails.

Docs: docs/rehearsal.rst.
"""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_deploy_concepts.management import base
from django_deploy_concepts.rehearsal import render
from django_deploy_concepts.rehearsal.run import DEFAULT_MAX_PAGES, DEFAULT_TIME_LIMIT, Options, rehearse

DEFAULT_REQUEST_TIMEOUT = 10.0
INTERRUPTED = 130


def page_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 1000:
        raise argparse.ArgumentTypeError("give a number of pages from 1 to 1000")
    return int(value)


class Command(BaseCommand):
    help = "Rehearse the deployment on this machine: build, start gunicorn, send production's requests, report what fails."
    # It must run on a broken project to rehearse it, so Django's checks must not stop it first.
    requires_system_checks: ClassVar[list[str]] = []  # type: ignore[misc]

    def add_arguments(self, parser: CommandParser) -> None:
        base.add_target_arguments(
            parser,
            fail="a failure at this level or above is found. By default the command exits 0.",
            verb="Rehearse",
            hosts="The public hostname requests carry (the first one given)",
            proxy="Where the proxy in front of gunicorn runs (default: another host on a platform)",
            inspection=", for the inspection",
        )
        parser.add_argument(
            "--web-server",
            choices=("nginx", "apache", "caddy"),
            help="Put this web server in front, with the configuration explain_webserver --emit writes.",
        )
        parser.add_argument(
            "--max-pages", type=page_count, default=DEFAULT_MAX_PAGES, help=f"Visit at most this many pages (default: {DEFAULT_MAX_PAGES})."
        )
        parser.add_argument(
            "--timeout",
            type=base.positive_seconds,
            default=DEFAULT_REQUEST_TIMEOUT,
            help=f"Bound, in seconds, on each request (default: {DEFAULT_REQUEST_TIMEOUT:g}).",
        )
        parser.add_argument(
            "--time-limit",
            type=base.positive_seconds,
            default=DEFAULT_TIME_LIMIT,
            help=f"Bound, in seconds, on the whole rehearsal (default: {DEFAULT_TIME_LIMIT:g}).",
        )
        parser.add_argument(
            "--database",
            action="append",
            dest="databases",
            metavar="ALIAS",
            help="Let the inspection that predicts failures connect only to this alias (repeatable).",
        )
        parser.add_argument(
            "--no-inspection", action="store_false", dest="inspect", help="Do not run the inspection that predicts failures."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            settings = Options(
                target=base.declared_target(options),
                web_server=options["web_server"],
                max_pages=options["max_pages"],
                timeout=options["timeout"],
                time_limit=options["time_limit"],
                databases=base.database_aliases(options),
                inspect=options["inspect"],
            )
            rehearsal = rehearse(settings, progress=self.progress)
        except KeyboardInterrupt:
            raise CommandError(
                "Interrupted: every process it started is stopped, its temporary directory removed.", returncode=INTERRUPTED
            ) from None
        except Exception as exc:  # noqa: BLE001 - never a traceback, even for a broken project
            raise base.failed_to("rehearse the project", exc) from None
        self.stdout.write(render.render(rehearsal, options["output_format"], style=self.style), ending="")
        base.check_fail_level(rehearsal.findings, options["fail_level"], "failure")

    def progress(self, stage: str) -> None:
        if self.stderr.isatty():
            self.stderr.write(f"rehearse_deploy: {stage}...")
