from __future__ import annotations

from django_deploy_concepts.management.base import ExplainCommand


class Command(ExplainCommand):
    help = "Explain the database for this project: the concept, what was found, and what to do next."
    concerns = ("database",)
