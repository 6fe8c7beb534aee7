"""Proof, not belief: what the inspection predicts is what the real collectstatic, template and WhiteNoise do.

Each test inspects a fixture project, then runs the real thing into a temporary STATIC_ROOT: every
predicted failure fails, and a project called clean collects and is served with far-future caching.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.template.loader import get_template
from django.test import Client, override_settings

from django_deploy_concepts.concerns import static
from django_deploy_concepts.concerns.static import collected, finders, locations, stylesheets, templates
from django_deploy_concepts.context import build_context
from tests.concerns.static.helpers import (
    BASE_APPS,
    BROKEN_APP,
    CLEAN_APP,
    MANIFEST_STORAGE,
    PLAIN_STORAGE,
    WHITENOISE_STORAGE,
    StaticTestCase,
    django_templates,
    storages,
    write_tree,
)

HASHING_STORAGES = (MANIFEST_STORAGE, WHITENOISE_STORAGE)
WHITENOISE_MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware"]
FOREVER = "max-age=315360000, public, immutable"


class ProofTestCase(StaticTestCase):
    def project(self, backend: str, **settings: Any) -> dict[str, Any]:
        """Settings of a fixture project with its own, fresh STATIC_ROOT."""
        root = Path(self.tmp / f"root-{len(list(self.tmp.iterdir()))}")
        return {"STATIC_ROOT": str(root), "STATIC_URL": "/static/", "STORAGES": storages(backend), "DEBUG": False, **settings}

    def inspect(self, settings: dict[str, Any]) -> static.Facts:
        with override_settings(**settings):
            return static.collect_facts(build_context())

    @contextmanager
    def live(self, settings: dict[str, Any]) -> Iterator[None]:
        with override_settings(**settings):
            yield

    def collectstatic(self) -> None:
        call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())

    def errors(self, facts: static.Facts) -> list[checks.CheckMessage]:
        return [message for check in static.CHECKS for message in check(facts) if message.level >= checks.ERROR]


class CleanProjectTests(ProofTestCase):
    def test_a_project_called_clean_collects_and_is_served_with_far_future_caching(self) -> None:
        for backend in HASHING_STORAGES:
            with self.subTest(backend):
                settings = self.project(
                    backend,
                    INSTALLED_APPS=[*BASE_APPS, CLEAN_APP],
                    MIDDLEWARE=WHITENOISE_MIDDLEWARE,
                    ROOT_URLCONF="tests.fixtures.static.urls_whitenoise",
                    TEMPLATES=django_templates(),
                )
                self.assertEqual(self.errors(self.inspect(settings)), [])
                with self.live(settings):
                    self.collectstatic()
                    client = Client()
                    page = client.get("/")
                    self.assertEqual(page.status_code, 200)
                    sheet = re.search(r'href="(/static/clean/css/site\.[0-9a-f]{12}\.css)"', page.content.decode())
                    assert sheet is not None, page.content
                    hashed = client.get(sheet.group(1), HTTP_ACCEPT_ENCODING="gzip")
                    self.assertEqual((hashed.status_code, hashed["Cache-Control"]), (200, FOREVER))
                    if backend == WHITENOISE_STORAGE:
                        self.assertEqual(hashed["Content-Encoding"], "gzip")
                    hashed.close()
                    plain = client.get("/static/clean/css/site.css")
                    self.assertEqual((plain.status_code, plain["Cache-Control"]), (200, "max-age=60, public"))
                    plain.close()


class PredictedFailuresTests(ProofTestCase):
    def test_a_missing_stylesheet_reference_fails_collectstatic(self) -> None:
        for backend in HASHING_STORAGES:
            with self.subTest(backend):
                settings = self.project(backend, INSTALLED_APPS=[*BASE_APPS, BROKEN_APP])
                (reference,) = self.inspect(settings).stylesheets.missing
                with self.live(settings), self.assertRaises(Exception) as caught:
                    self.collectstatic()
                self.assertIn(reference.resolved, str(caught.exception))

    def test_a_missing_static_path_fails_the_page(self) -> None:
        folder = write_tree(self.tmp / "templates", {"missing.html": "{% load static %}\n{% static 'clean/css/sitee.css' %}"})
        for backend in HASHING_STORAGES:
            with self.subTest(backend):
                settings = self.project(backend, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], TEMPLATES=django_templates(folder))
                facts = self.inspect(settings)
                self.assertEqual(
                    facts.templates.missing, (templates.TemplateReference("missing.html", 2, "clean/css/sitee.css", "clean/css/site.css"),)
                )
                with self.live(settings):
                    self.collectstatic()
                    with self.assertRaisesMessage(ValueError, "Missing staticfiles manifest entry for 'clean/css/sitee.css'"):
                        get_template("missing.html").render()

    def test_a_stylesheet_that_is_not_utf8_fails_collectstatic(self) -> None:
        assets = self.sources({"css/latin1.css": "a::before { content: 'caf\xe9'; }".encode("latin-1")})
        settings = self.project(MANIFEST_STORAGE, STATICFILES_DIRS=[str(assets)])
        self.assertEqual(stylesheets.check_undecodable(self.inspect(settings)), [stylesheets.e023("css/latin1.css")])
        with self.live(settings), self.assertRaisesRegex(Exception, "codec can't decode"):
            self.collectstatic()

    def test_a_dangling_link_fails_collectstatic(self) -> None:
        assets = self.sources({"css/ok.css": "a {}"})
        os.symlink(assets / "css" / "gone.css", assets / "css" / "dangling.css")
        settings = self.project(MANIFEST_STORAGE, STATICFILES_DIRS=[str(assets)])
        self.assertEqual([item.path for item in self.inspect(settings).sources.unreadable], ["css/dangling.css"])
        with self.live(settings), self.assertRaises(FileNotFoundError):
            self.collectstatic()

    def test_a_failing_finder_fails_collectstatic(self) -> None:
        finder_list = ["django.contrib.staticfiles.finders.AppDirectoriesFinder", "tests.fixtures.static.finders.RaisingFinder"]
        settings = self.project(MANIFEST_STORAGE, STATICFILES_FINDERS=finder_list)
        self.assertEqual([failure.finder for failure in self.inspect(settings).sources.failures], [finder_list[1]])
        with self.live(settings), self.assertRaises(ConnectionError):
            self.collectstatic()

    def test_settings_collectstatic_refuses(self) -> None:
        rows: dict[str, tuple[dict[str, Any], Callable[[static.Facts], list[checks.CheckMessage]], str]] = {
            "E001": ({"STATIC_ROOT": None}, locations.check_static_root, "without having set the STATIC_ROOT setting"),
            "E006": (
                {"MEDIA_ROOT": "same"},
                locations.check_root_apart_from_media,
                "MEDIA_ROOT and STATIC_ROOT settings must have different values",
            ),
            "E007": (
                {"MEDIA_URL": "/static/"},
                locations.check_media_url_apart,
                "MEDIA_URL and STATIC_URL settings must have different values",
            ),
        }
        for check_id, (overrides, check, error) in rows.items():
            with self.subTest(check_id):
                settings = self.project(MANIFEST_STORAGE)
                settings.update(overrides)
                if overrides.get("MEDIA_ROOT") == "same":
                    settings["MEDIA_ROOT"] = settings["STATIC_ROOT"]
                self.assertEqual([message.id for message in check(self.inspect(settings))], [f"deploy_static.{check_id}"])
                with self.live(settings), self.assertRaisesMessage(ImproperlyConfigured, error):
                    self.collectstatic()

    def test_no_static_url_fails_every_static_tag(self) -> None:
        folder = write_tree(self.tmp / "templates", {"page.html": "{% load static %}{% static 'clean/css/site.css' %}"})
        settings = self.project(MANIFEST_STORAGE, STATIC_URL=None, TEMPLATES=django_templates(folder))
        self.assertEqual(locations.check_static_url(self.inspect(settings)), [locations.E009])
        with self.live(settings), self.assertRaisesMessage(ImproperlyConfigured, "without having set the required STATIC_URL setting"):
            get_template("page.html").render()

    def test_an_absent_root_makes_whitenoise_warn(self) -> None:
        from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]

        settings = self.project(MANIFEST_STORAGE, MIDDLEWARE=WHITENOISE_MIDDLEWARE)
        self.assertEqual([message.id for message in collected.check_collected(self.inspect(settings))], ["deploy_static.I028"])
        with self.live(settings), self.assertWarnsRegex(UserWarning, "No directory at"):
            WhiteNoiseMiddleware(get_response=lambda request: None)

    def test_a_root_collected_without_a_manifest_fails_every_page(self) -> None:
        folder = write_tree(self.tmp / "templates", {"page.html": "{% load static %}{% static 'clean/css/site.css' %}"})
        plain = self.project(PLAIN_STORAGE, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], TEMPLATES=django_templates(folder))
        with self.live(plain):
            self.collectstatic()
        manifest = {**plain, "STORAGES": storages(MANIFEST_STORAGE)}
        self.assertEqual([message.id for message in collected.check_manifest(self.inspect(manifest))], ["deploy_static.W025"])
        with self.live(manifest), self.assertRaisesMessage(ValueError, "Missing staticfiles manifest entry"):
            get_template("page.html").render()


class StylesheetPredictionsTests(ProofTestCase):
    """For every tricky reference, the inspection says collectstatic fails exactly when it does."""

    ROWS = {
        "url in a comment": "/* a { background: url(../img/gone.png) } */\nb {}",
        "url in a string": 'a::after { content: "url(../img/gone.png)"; }',
        "data uri": 'a { background: url("data:image/png;base64,iVBORw0KGgo="); }',
        "uppercase scheme": 'a { background: url("DATA:image/png;base64,iVBORw0KGgo="); }',
        "fragment only": 'a { filter: url("#shadow"); }',
        "font hack": 'a { src: url("../img/here.png?#iefix"); }',
        "query": 'a { src: url("../img/here.png?v=2"); }',
        "absolute below STATIC_URL": 'a { background: url("/static/img/here.png"); }',
        "absolute elsewhere": 'a { background: url("/media/gone.png"); }',
        "protocol relative": "a { background: url(//cdn.example.com/gone.png); }",
        "folder": "a { background: url(../img); }",
        "escaped space": "a { background: url(../img/gone%20file.png); }",
        "import": '@import "gone.css";',
        "import url": '@import url("../img/here.png");',
        "missing source map": "a {}\n/*# sourceMappingURL=site.css.map */",
        "outside the files": "a { background: url(../../gone.png); }",
    }

    def test_prediction_equals_outcome(self) -> None:
        for label, text in self.ROWS.items():
            with self.subTest(label):
                assets = self.sources({"css/site.css": text, "img/here.png": b"\x89PNG\r\n\x1a\n"})
                settings = self.project(MANIFEST_STORAGE, STATICFILES_DIRS=[str(assets)])
                predicted = bool(stylesheets.check_stylesheet_references(self.inspect(settings)))
                with self.live(settings):
                    try:
                        self.collectstatic()
                    except Exception:  # noqa: BLE001 - which failure does not matter here, only whether
                        failed = True
                    else:
                        failed = False
                self.assertEqual(predicted, failed)


class ListingPredictionsTests(ProofTestCase):
    def test_the_pass_finds_what_collectstatic_copies(self) -> None:
        assets = self.sources({"css/a.css": "a {}", "img/b.png": b"\x89PNG", ".hidden": "skipped", "notes.txt~": "skipped"})
        settings = self.project(
            PLAIN_STORAGE, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP, "tests.fixtures.static.twin"], STATICFILES_DIRS=[("vendor", str(assets))]
        )
        with self.live(settings):
            predicted = set(finders.list_sources(build_context()).files)
            self.collectstatic()
        copied = {str(path.relative_to(settings["STATIC_ROOT"])) for path in Path(settings["STATIC_ROOT"]).rglob("*") if path.is_file()}
        self.assertEqual(predicted, copied)
