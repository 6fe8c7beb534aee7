"""A throwaway project directory per test, and the checklist's facts and check ids for it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import checklist
from django_deploy_concepts.concerns.checklist.facts import ChecklistFacts
from django_deploy_concepts.context import ProjectContext, build_context
from django_deploy_concepts.report import Finding
from django_deploy_concepts.runner import run_checks


class ChecklistTestCase(SimpleTestCase):
    """Each test gets an empty project directory as BASE_DIR; ``write`` puts files in it."""

    def setUp(self) -> None:
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.base_dir = Path(directory.name).resolve()
        override = override_settings(BASE_DIR=self.base_dir)
        override.enable()
        self.addCleanup(override.disable)

    def write(self, relative_path: str, text: str) -> Path:
        path = self.base_dir / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def context(
        self, *, settings_source: str | None = None, environ: dict[str, str] | None = None, platform: str | None = None
    ) -> ProjectContext:
        # Under override_settings Django no longer reports SETTINGS_MODULE; the environment still names it.
        environ = {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings"), **(environ or {})}
        context = build_context(environ=environ, platform=platform)
        if settings_source is not None:
            path = self.write("mysite/settings.py", settings_source)
            # The settings module of the run is tests.settings; the source under test replaces it.
            context.memo("settings_sources", lambda: {str(path): settings_source})
        return context

    def facts(self, **kwargs: Any) -> ChecklistFacts:
        return checklist.collect_facts(self.context(**kwargs))

    def messages(self, **kwargs: Any) -> list[Any]:
        return run_checks(checklist, self.facts(**kwargs))

    def ids(self, **kwargs: Any) -> list[str]:
        return [message.id for message in self.messages(**kwargs)]

    def explanation_text(self, facts: ChecklistFacts, findings: tuple[Finding, ...] = ()) -> str:
        explanation = checklist.explain(facts, findings)
        parts = [*explanation.about]
        parts += [f"{fact.label}: {fact.value}" for fact in explanation.found]
        parts += [f"{step.title} {step.detail} {step.code}" for step in explanation.steps]
        return "\n".join(parts)


def findings_of(messages: list[Any]) -> tuple[Finding, ...]:
    return tuple(Finding.from_message(message) for message in messages)
