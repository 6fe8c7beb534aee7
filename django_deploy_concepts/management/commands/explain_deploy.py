from __future__ import annotations

from django_deploy_concepts.concerns import CONCERNS
from django_deploy_concepts.management.base import ExplainCommand


class Command(ExplainCommand):
    help = "Explain everything between runserver and a real deployment: the request path, each concern, and what to do next."
    concerns = tuple(concern.NAME for concern in CONCERNS)
    brief_option = True
