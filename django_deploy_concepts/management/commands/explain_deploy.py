from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from django_deploy_concepts import masking, plan
from django_deploy_concepts.concerns import CONCERN_NAMES
from django_deploy_concepts.context import build_context
from django_deploy_concepts.management.base import ExplainCommand, declared_target, failed_to

EMITS = ("settings", "requirements", "platform", "dockerfile")


class Command(ExplainCommand):
    help = "Explain everything between runserver and a real deployment: what to fix first, the request path, and each concern."
    concerns = CONCERN_NAMES
    brief_option = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--emit",
            choices=EMITS,
            help="Print only one piece of the deployment plan as a file: the settings block, the requirements, the platform's file (Procfile, render.yaml, fly.toml, ...), or a Dockerfile.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["emit"]:
            super().handle(*args, **options)
            return
        try:
            context = build_context(platform=options["platform"], timeout=options["timeout"], target=declared_target(options))
            text = emit(plan.for_context(context), options["emit"])
        except Exception as exc:  # noqa: BLE001 - never a traceback, even for a broken project
            raise failed_to(f"write the {options['emit']}", exc) from None
        self.stdout.write(masking.scrub_text(text, masking.known_secrets(context.environ)), ending="")


def emit(deployment: plan.Plan, piece: str) -> str:
    if piece == "settings":
        return deployment.settings_text
    if piece == "requirements":
        return deployment.requirements_text
    if piece == "dockerfile":
        return plan.dockerfile(deployment)
    return deployment.platform_file.text
