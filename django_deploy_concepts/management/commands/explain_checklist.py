from __future__ import annotations

from django_deploy_concepts.management.base import ExplainCommand


class Command(ExplainCommand):
    help = "Explain Django's deployment checklist items for this project: settings and operations."
    concerns = ("checklist",)
