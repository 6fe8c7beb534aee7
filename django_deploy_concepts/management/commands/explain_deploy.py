from __future__ import annotations

from django_deploy_concepts.concerns import CONCERN_NAMES
from django_deploy_concepts.management.base import ExplainCommand


class Command(ExplainCommand):
    help = "Explain everything between runserver and a real deployment: the request path, each concern, and what to do next."
    concerns = CONCERN_NAMES
    brief_option = True
