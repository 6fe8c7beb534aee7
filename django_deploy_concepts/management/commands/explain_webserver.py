from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandParser

from django_deploy_concepts import masking
from django_deploy_concepts.concerns import webserver
from django_deploy_concepts.context import build_context
from django_deploy_concepts.management.base import ExplainCommand, declared_target, failed_to


def upstream(value: str) -> webserver.Upstream:
    try:
        return webserver.parse_upstream(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Command(ExplainCommand):
    help = "Explain the web server or platform in front for this project: the concept, what was found, and what to do next."
    concerns = ("webserver",)

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--emit",
            choices=webserver.KINDS,
            help="Print only a configuration tailored to this project (nginx, apache or caddy site, or a systemd socket and service for gunicorn).",
        )
        parser.add_argument(
            "--upstream",
            type=upstream,
            default=webserver.Upstream(),
            help="With --emit: where gunicorn listens, unix:/path.sock or host:port (default: unix:/run/gunicorn.sock).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["emit"]:
            super().handle(*args, **options)
            return
        try:
            context = build_context(platform=options["platform"], timeout=options["timeout"], target=declared_target(options))
            text = webserver.emit(context.facts_for(webserver.NAME), options["emit"], upstream=options["upstream"])
        except Exception as exc:  # noqa: BLE001 - never a traceback, even for a broken project
            raise failed_to(f"generate the {options['emit']} configuration", exc) from None
        # A configuration file: secrets masked, nothing else changed.
        self.stdout.write(masking.scrub_text(text, masking.known_secrets(context.environ), cap=False), ending="")
