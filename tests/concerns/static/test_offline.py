"""Offline compression (django-compressor's COMPRESS_OFFLINE) needs `manage.py compress` in the build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template import engines
from django.test import override_settings

from django_deploy_concepts.concerns import static
from django_deploy_concepts.concerns.static import offline
from django_deploy_concepts.context import build_context
from tests.concerns.static.helpers import StaticTestCase, write_tree

COMPRESSOR_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles", "compressor", "tests.testapp"]
FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "compressor.finders.CompressorFinder",
]
PROCFILE = "web: gunicorn mysite.wsgi\n"
PROCFILE_WITH_COMPRESS = (
    "release: python manage.py collectstatic --noinput && python manage.py compress --force\nweb: gunicorn mysite.wsgi\n"
)


class OfflineTestCase(StaticTestCase):
    def facts_for(self, files: dict[str, str], **settings: Any) -> static.Facts:
        base = Path(self.tmp) / f"project{len(list(Path(self.tmp).iterdir()))}"
        base.mkdir()
        write_tree(base, files)
        values = {
            **self.base_settings(),
            "BASE_DIR": base,
            "INSTALLED_APPS": COMPRESSOR_APPS,
            "STATICFILES_FINDERS": FINDERS,
            "COMPRESS_OFFLINE": True,
            **settings,
        }
        with override_settings(**values):
            return static.collect_facts(build_context(environ={}))


class OfflineCompressionTests(OfflineTestCase):
    def test_no_compress_step_is_s032(self) -> None:
        facts = self.facts_for({"Procfile": PROCFILE})
        self.assertEqual(facts.offline.tools, (offline.COMPRESSOR,))
        self.assertEqual(offline.check_offline_step(facts), [offline.e032(offline.COMPRESSOR, ("Procfile",))])

    def test_no_build_file_at_all_is_s033(self) -> None:
        facts = self.facts_for({})
        self.assertEqual(offline.check_offline_step(facts), [offline.w033(offline.COMPRESSOR)])

    def test_quiet(self) -> None:
        rows: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
            "compress in the Procfile's release": ({"Procfile": PROCFILE_WITH_COMPRESS}, {}),
            "compress in a build script": ({"Procfile": PROCFILE, "bin/build.sh": "set -e\npython manage.py compress\n"}, {}),
            "compress in the Dockerfile": ({"Dockerfile": "FROM python:3.12\nRUN python manage.py compress --force\n"}, {}),
            "offline off": ({"Procfile": PROCFILE}, {"COMPRESS_OFFLINE": False}),
            "compression off": ({"Procfile": PROCFILE}, {"COMPRESS_ENABLED": False}),
        }
        for label, (files, settings) in rows.items():
            with self.subTest(label):
                facts = self.facts_for(files, **settings)
                self.assertEqual(offline.check_offline_step(facts), [])
        facts = self.facts_for({"Procfile": PROCFILE_WITH_COMPRESS})
        self.assertEqual(facts.offline.steps, (("compress", "Procfile:1"),))

    def test_the_failure_it_predicts(self) -> None:
        """Without the offline manifest, rendering a {% compress %} block raises OfflineGenerationError (a 500)."""
        from compressor.exceptions import OfflineGenerationError

        assets = write_tree(Path(self.tmp) / "assets", {"css/site.css": "body { color: red; }\n"})
        compress_root = Path(self.tmp) / "compressed"
        with override_settings(
            INSTALLED_APPS=COMPRESSOR_APPS,
            STATICFILES_FINDERS=FINDERS,
            STATICFILES_DIRS=[assets],
            COMPRESS_ENABLED=True,
            COMPRESS_OFFLINE=True,
            COMPRESS_ROOT=str(compress_root),
            STATIC_URL="/static/",
        ):
            template = engines["django"].from_string(
                '{% load compress static %}{% compress css %}<link rel="stylesheet" href="{% static \'css/site.css\' %}">{% endcompress %}'
            )
            with self.assertRaises(OfflineGenerationError):
                template.render({})


class SassProcessorTests(OfflineTestCase):
    """django-sass-processor with SASS_PROCESSOR_ENABLED = False serves the .css compilescss writes."""

    APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles", "sass_processor", "tests.testapp"]

    def test_no_compilescss_step_is_s032(self) -> None:
        facts = self.facts_for({"Procfile": PROCFILE}, INSTALLED_APPS=self.APPS, COMPRESS_OFFLINE=False, SASS_PROCESSOR_ENABLED=False)
        self.assertEqual(facts.offline.tools, (offline.SASS_PROCESSOR,))
        self.assertEqual(offline.check_offline_step(facts), [offline.e032(offline.SASS_PROCESSOR, ("Procfile",))])

    def test_compilescss_in_the_build_is_quiet(self) -> None:
        files = {"Procfile": PROCFILE, "bin/post_compile": "#!/bin/sh\npython manage.py compilescss\n"}
        facts = self.facts_for(files, INSTALLED_APPS=self.APPS, COMPRESS_OFFLINE=False, SASS_PROCESSOR_ENABLED=False)
        self.assertEqual(offline.check_offline_step(facts), [])
        self.assertEqual(facts.offline.steps, (("compilescss", "bin/post_compile:2"),))
