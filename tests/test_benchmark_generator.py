"""The benchmark's project generator writes a small, deterministic, working Django project."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from benchmarks.generate import SETTINGS_WITH_APP, SETTINGS_WITHOUT_APP, STATIC_ROOT_VARIABLE, GeneratedProject, Size, generate
from tests.utils import run_manage

SIZE = Size(apps=2, static_files=30, templates=12, broken_share=0.3)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
STATIC_TAG = re.compile(r"""\{% static ["']([^"']+)["'] %\}""")
INCLUDE_TAG = re.compile(r"""\{% include ["']([^"']+)["'] %\}""")
EXTENDS_TAG = re.compile(r"""\{% extends ["']([^"']+)["'] %\}""")


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file() and ".git" not in path.parts
    }


class GeneratorTests(SimpleTestCase):
    directory: tempfile.TemporaryDirectory[str]
    project: GeneratedProject

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.directory = tempfile.TemporaryDirectory()
        cls.project = generate(Path(cls.directory.name) / "project", SIZE, seed=1)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.directory.cleanup()
        super().tearDownClass()

    def app_files(self, pattern: str) -> list[Path]:
        return [path for label in self.project.app_labels for path in sorted((self.project.root / label).glob(pattern))]

    def test_counts_match_the_size(self) -> None:
        self.assertEqual(self.project.app_labels, ("app_000", "app_001"))
        for pattern, minimum in (("static/*/css/*.css", 1), ("static/*/js/*.js", 1), ("static/*/img/*.png", 1)):
            with self.subTest(pattern=pattern):
                self.assertGreaterEqual(len(self.app_files(pattern)) // len(self.project.app_labels), minimum)
        self.assertEqual(len(self.app_files("static/**/*.*")), SIZE.static_files)
        self.assertEqual(len(self.app_files("templates/**/*.html")), SIZE.templates)
        self.assertEqual((self.project.static_files, self.project.templates), (SIZE.static_files, SIZE.templates))

    def test_project_files(self) -> None:
        settings = (self.project.root / "benchproject" / "settings.py").read_text()
        for expected in (
            *self.project.app_labels,
            '"django_deploy_concepts"',
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
            STATIC_ROOT_VARIABLE,
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, settings)
        for name in ("manage.py", "benchproject/urls.py", "benchproject/wsgi.py", "templates/base.html", "Procfile", ".git"):
            with self.subTest(name=name):
                self.assertTrue((self.project.root / name).exists())

    def test_images_are_png(self) -> None:
        for image in self.app_files("static/*/img/*.png"):
            with self.subTest(image=image.name):
                self.assertEqual(image.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")

    def test_references_resolve_except_the_counted_broken_share(self) -> None:
        references = missing = 0
        for stylesheet in self.app_files("static/*/css/*.css"):
            for url in CSS_URL.findall(stylesheet.read_text()):
                if url.startswith(("data:", "#")):
                    continue
                references += 1
                missing += not (stylesheet.parent / url).is_file()
        for template in self.app_files("templates/**/*.html"):
            for path in STATIC_TAG.findall(template.read_text()):
                label = path.split("/", 1)[0]
                references += 1
                missing += not (self.project.root / label / "static" / path).is_file()
        self.assertEqual(references, self.project.static_references)
        self.assertEqual(missing, self.project.broken_references)
        self.assertGreater(missing, 0)
        self.assertLess(missing, references)

    def test_templates_extend_and_include_existing_templates(self) -> None:
        template_dirs = [self.project.root / "templates", *(self.project.root / label / "templates" for label in self.project.app_labels)]
        pages = self.app_files("templates/*/page_*.html")
        self.assertTrue(pages)
        for page in pages:
            text = page.read_text()
            names = EXTENDS_TAG.findall(text) + INCLUDE_TAG.findall(text)
            with self.subTest(page=page.name):
                self.assertTrue(EXTENDS_TAG.search(text))
                self.assertTrue(INCLUDE_TAG.search(text))
                for name in names:
                    self.assertTrue(any((directory / name).is_file() for directory in template_dirs), name)

    def test_same_seed_same_bytes_other_seed_other_bytes(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            again = generate(Path(directory) / "again", SIZE, seed=1)
            other = generate(Path(directory) / "other", SIZE, seed=2)
            self.assertEqual(files_under(again.root), files_under(self.project.root))
            self.assertNotEqual(files_under(other.root), files_under(self.project.root))

    def test_is_a_working_django_project(self) -> None:
        with tempfile.TemporaryDirectory() as static_root:
            env = {STATIC_ROOT_VARIABLE: static_root}
            rows = (
                # Migrations match the models, so Django's own checks see a sound project.
                (SETTINGS_WITH_APP, ("makemigrations", "--check", "--dry-run"), "No changes detected"),
                (SETTINGS_WITH_APP, ("check",), "no issues"),
                (
                    SETTINGS_WITH_APP,
                    ("shell", "-c", "from django.conf import settings; print('django_deploy_concepts' in settings.INSTALLED_APPS)"),
                    "True",
                ),
                (
                    SETTINGS_WITHOUT_APP,
                    ("shell", "-c", "from django.conf import settings; print('django_deploy_concepts' in settings.INSTALLED_APPS)"),
                    "False",
                ),
            )
            for settings_module, arguments, expected in rows:
                with self.subTest(settings=settings_module, command=arguments[0]):
                    result = run_manage(self.project.root, *arguments, settings_module=settings_module, env=env)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn(expected, result.stdout + result.stderr)
            self.assertEqual(list(Path(static_root).iterdir()), [])
        # The database file is configured but never created.
        self.assertFalse((self.project.root / "var").exists())
