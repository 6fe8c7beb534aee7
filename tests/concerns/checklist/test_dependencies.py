from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns.checklist import dependencies
from django_deploy_concepts.concerns.checklist.facts import Requirement
from tests.concerns.checklist.helpers import ChecklistTestCase
from tests.utils import EXAMPLE_DIR, override_databases, run_manage

PYPROJECT = """[project]
name = "blog"
dependencies = [
    "Django>=5.2",
    "gunicorn>=22",  # the WSGI server
    'psycopg[binary]>=3.1',
]

[tool.poetry.dependencies]
python = "^3.12"
whitenoise = "^6.6"
dj-database-url = { version = "^2.1" }
"""
PIPFILE = """[[source]]
url = "https://pypi.org/simple"

[packages]
django = "*"
gunicorn = "*"

[dev-packages]
pytest = "*"
"""
POETRY_LOCK = """[[package]]
name = "django"
version = "6.1b1"
description = "A high-level Python web framework"

[[package]]
name = "gunicorn"
version = "23.0.0"
"""
UV_LOCK = """version = 1
requires-python = ">=3.12"

[[package]]
name = "blog"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "django" }, { name = "gunicorn" }]

[[package]]
name = "Django"
version = "5.2.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "gunicorn"
source = { registry = "https://pypi.org/simple" }
version = "23.0.0"
"""
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


class ParsingTests(ChecklistTestCase):
    def test_requirements_lines(self) -> None:
        self.write("requirements/base.txt", "Django>=5.2,<6  # the framework\nwhitenoise[brotli]==6.7 \\\n    --hash=sha256:abc\n")
        self.write(
            "requirements.txt",
            "-r requirements/base.txt\n--index-url https://example.com\n-e git+https://github.com/x/y.git#egg=dj_database_url\n"
            "gunicorn @ https://example.com/gunicorn.whl\npsycopg2-binary; python_version >= '3.10'\n./local-package\n",
        )
        errors: list[str] = []
        found = dependencies.requirements_file(self.base_dir / "requirements.txt", "requirements.txt", errors)
        self.assertEqual(
            [requirement.name for requirement in found], ["django", "whitenoise", "dj-database-url", "gunicorn", "psycopg2-binary"]
        )
        self.assertEqual(found[0].spec, ">=5.2,<6")
        self.assertEqual(found[0].source, "requirements/base.txt:1")
        self.assertEqual(errors, [])

    def test_lines_after_continuations(self) -> None:
        self.write("requirements.txt", "whitenoise==6.7 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\ndjango>=5.2\n")
        found = dependencies.requirements_file(self.base_dir / "requirements.txt", "requirements.txt", [])
        self.assertEqual(
            [(requirement.name, requirement.source) for requirement in found],
            [("whitenoise", "requirements.txt:1"), ("django", "requirements.txt:4")],
        )

    def test_markers_are_evaluated_for_a_linux_deploy(self) -> None:
        self.write(
            "requirements.txt", 'psycopg2-binary; sys_platform == "win32"\ngunicorn; sys_platform == "linux"\npywin32; os_name == "nt"\n'
        )
        found = dependencies.requirements_file(self.base_dir / "requirements.txt", "requirements.txt", [])
        self.assertEqual([requirement.name for requirement in found], ["gunicorn"])

    def test_a_line_pip_refuses_is_reported(self) -> None:
        self.write("requirements.txt", "django>=\ngunicorn\n")
        errors: list[str] = []
        found = dependencies.requirements_file(self.base_dir / "requirements.txt", "requirements.txt", errors)
        self.assertEqual([requirement.name for requirement in found], ["gunicorn"])
        self.assertEqual(len(errors), 1)
        self.assertTrue(errors[0].startswith("requirements.txt:1: "), errors)

    def test_includes_that_are_no_regular_file_do_not_block(self) -> None:
        os.mkfifo(self.base_dir / "fifo.txt")
        # A constraints file installs nothing: it is not read at all.
        self.write("requirements.txt", "-r fifo.txt\n-c fifo.txt\n-r /dev/stdin\ngunicorn\n")
        errors: list[str] = []
        results: list[list[Requirement]] = []
        # Opening a FIFO for reading blocks until a writer comes: run it where a hang cannot stop the suite.
        thread = threading.Thread(
            target=lambda: results.append(dependencies.requirements_file(self.base_dir / "requirements.txt", "requirements.txt", errors)),
            daemon=True,
        )
        thread.start()
        thread.join(timeout=60)
        self.assertFalse(thread.is_alive(), "reading a FIFO include blocked")
        self.assertEqual([requirement.name for requirement in results[0]], ["gunicorn"])
        self.assertEqual(len(errors), 2, errors)
        self.assertIn("fifo.txt", errors[0])
        self.assertIn("not a regular file", errors[0])

    def test_include_loops_and_missing_includes(self) -> None:
        self.write("requirements.txt", "-r requirements.txt\n-r missing.txt\ngunicorn\n")
        errors: list[str] = []
        found = dependencies.requirements_file(self.base_dir / "requirements.txt", "requirements.txt", errors)
        self.assertEqual([requirement.name for requirement in found], ["gunicorn"])
        self.assertEqual(len(errors), 1)
        self.assertIn("missing.txt", errors[0])

    def test_toml(self) -> None:
        rows = (
            ("pyproject.toml", PYPROJECT, ["django", "gunicorn", "psycopg", "whitenoise", "dj-database-url"]),
            ("Pipfile", PIPFILE, ["django", "gunicorn"]),
        )
        for name, text, expected in rows:
            with self.subTest(name):
                self.assertEqual([requirement.name for requirement in dependencies.toml_requirements(text, name)], expected)

    def test_lock_files(self) -> None:
        self.assertEqual(
            [(requirement.name, requirement.spec) for requirement in dependencies.lock_requirements("poetry.lock", POETRY_LOCK)],
            [("django", "==6.1b1"), ("gunicorn", "==23.0.0")],
        )
        self.assertEqual(
            [(requirement.name, requirement.spec) for requirement in dependencies.lock_requirements("uv.lock", UV_LOCK)],
            [("blog", "==0.1.0"), ("django", "==5.2.1"), ("gunicorn", "==23.0.0")],
        )
        with self.assertRaises(ValueError):
            dependencies.lock_requirements("poetry.lock", "[[package]\nname = 'x'\n")
        pipfile_lock = '{"default": {"django": {"version": "==5.2.1"}}, "develop": {"pytest": {}}}'
        self.assertEqual([requirement.name for requirement in dependencies.lock_requirements("Pipfile.lock", pipfile_lock)], ["django"])


class ManifestTests(ChecklistTestCase):
    def test_no_manifest_fires(self) -> None:
        self.assertIn(dependencies.W021, self.messages())

    def test_a_tools_only_pyproject_is_not_a_manifest(self) -> None:
        self.write("pyproject.toml", "[tool.ruff]\nline-length = 100\n")
        self.assertIn(dependencies.W021, self.messages())

    def test_quiet_with_a_manifest(self) -> None:
        for name, text in (("requirements.txt", "gunicorn\n"), ("Pipfile", PIPFILE), ("pyproject.toml", PYPROJECT)):
            with self.subTest(name):
                for other in ("requirements.txt", "Pipfile", "pyproject.toml"):
                    (self.base_dir / other).unlink(missing_ok=True)
                self.write(name, text)
                ids = self.ids()
                self.assertNotIn("deploy_checklist.W021", ids)
                self.assertNotIn("deploy_checklist.W022", ids)

    def test_unparsable_manifest_fires(self) -> None:
        self.write("Pipfile.lock", "{not json")
        ids = self.ids()
        self.assertIn("deploy_checklist.W022", ids)
        self.assertNotIn("deploy_checklist.W021", ids)
        self.assertNotIn("deploy_checklist.E023", ids)

    def test_requirements_first_like_the_platforms(self) -> None:
        self.write("requirements.txt", "django\n")
        self.write("pyproject.toml", PYPROJECT)
        self.assertEqual(self.facts().dependencies.manifest, "requirements.txt")


class WsgiServerTests(ChecklistTestCase):
    def test_fires(self) -> None:
        self.write("requirements.txt", "django\nwhitenoise\n")
        facts = self.facts()
        self.assertIn(dependencies.e023(facts.dependencies), self.messages())
        self.write("Procfile", "web: gunicorn mysite.wsgi\n")
        self.write("requirements.txt", "django\nwhitenoise\nwaitress\n")
        facts = self.facts()
        self.assertEqual(facts.dependencies.started_servers, ("gunicorn",))
        message = dependencies.e023(facts.dependencies)
        self.assertIn(message, self.messages())
        self.assertIn("which the start command runs", message.msg)

    def test_quiet(self) -> None:
        self.write("requirements.txt", "django\nwhitenoise\ngunicorn\n")
        self.assertNotIn("deploy_checklist.E023", self.ids())
        self.write("requirements.txt", "django\nwhitenoise\n")
        self.assertNotIn("deploy_checklist.E023", self.ids(platform="pythonanywhere"))


@contextlib.contextmanager
def databases(engine: str) -> Iterator[None]:
    """DATABASES naming an engine; no test here connects, so Django's warning about overriding it does not apply."""
    with override_databases({"default": {"ENGINE": engine, "NAME": "blog"}}):
        yield


class DriverTests(ChecklistTestCase):
    POSTGRES = "django.db.backends.postgresql"

    def test_fires(self) -> None:
        self.write("requirements.txt", "django\nwhitenoise\ngunicorn\n")
        with databases(self.POSTGRES):
            facts = self.facts()
            self.assertIn(dependencies.e024(facts.dependencies, "postgresql"), self.messages())
        # sqlite here, but the platform's DATABASE_URL says PostgreSQL.
        environ = {"DATABASE_URL": "postgres://user:planted-db-password@db:5432/blog"}
        self.assertIn("deploy_checklist.E024", self.ids(environ=environ))

    def test_fires_for_a_driver_installed_on_windows_only(self) -> None:
        self.write("requirements.txt", 'django\nwhitenoise\ngunicorn\npsycopg2-binary; sys_platform == "win32"\n')
        with databases(self.POSTGRES):
            facts = self.facts()
            self.assertIn(dependencies.e024(facts.dependencies, "postgresql"), self.messages())

    def test_quiet(self) -> None:
        for driver in ("psycopg[binary]", "psycopg2-binary", "psycopg2"):
            with self.subTest(driver), databases(self.POSTGRES):
                self.write("requirements.txt", f"django\nwhitenoise\ngunicorn\n{driver}\n")
                self.assertNotIn("deploy_checklist.E024", self.ids())
        self.write("requirements.txt", "django\nwhitenoise\ngunicorn\n")
        self.assertNotIn("deploy_checklist.E024", self.ids())


class WhiteNoiseTests(ChecklistTestCase):
    def test_fires_for_middleware_and_storages(self) -> None:
        self.write("requirements.txt", "django\ngunicorn\n")
        storages = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
        for label, settings in (("MIDDLEWARE", {}), ("STORAGES", {"MIDDLEWARE": [], "STORAGES": storages})):
            with self.subTest(label), override_settings(**settings):
                facts = self.facts()
                self.assertEqual(facts.dependencies.whitenoise_used_by, label)
                self.assertIn(dependencies.e025(facts.dependencies), self.messages())

    def test_quiet(self) -> None:
        self.write("requirements.txt", "django\ngunicorn\nWhiteNoise[brotli]\n")
        self.assertNotIn("deploy_checklist.E025", self.ids())
        self.write("requirements.txt", "django\ngunicorn\n")
        with override_settings(MIDDLEWARE=[]):
            self.assertNotIn("deploy_checklist.E025", self.ids())


class DjDatabaseUrlTests(ChecklistTestCase):
    SOURCE = "import dj_database_url\n\nDATABASES = {'default': dj_database_url.config()}\n"

    def test_fires(self) -> None:
        self.write("requirements.txt", "django\ngunicorn\nwhitenoise\n")
        facts = self.facts(settings_source=self.SOURCE)
        self.assertIn(dependencies.e026(facts.dependencies), self.messages(settings_source=self.SOURCE))
        self.assertEqual(facts.dependencies.dj_database_url_imported_at, "mysite/settings.py:1")

    def test_quiet(self) -> None:
        self.write("requirements.txt", "django\ngunicorn\nwhitenoise\ndj_database_url\n")
        self.assertNotIn("deploy_checklist.E026", self.ids(settings_source=self.SOURCE))
        self.write("requirements.txt", "django\ngunicorn\nwhitenoise\n")
        self.assertNotIn("deploy_checklist.E026", self.ids(settings_source="DEBUG = False\n"))


class DjangoPrereleaseTests(ChecklistTestCase):
    def test_fires(self) -> None:
        for label, name, text in (
            ("requirements", "requirements.txt", "Django==6.1a1\n"),
            ("requirements, rc", "requirements.txt", "django>=6.0rc1\n"),
            ("lock file", "poetry.lock", POETRY_LOCK),
        ):
            with self.subTest(label):
                for other in ("requirements.txt", "poetry.lock"):
                    (self.base_dir / other).unlink(missing_ok=True)
                self.write(name, text)
                self.assertIn("deploy_checklist.W027", self.ids())

    def test_quiet(self) -> None:
        for text in ("Django>=5.2,<6.2\n", "Django==5.2.1\n", "django~=6.0\n"):
            with self.subTest(text):
                self.write("requirements.txt", text)
                self.assertNotIn("deploy_checklist.W027", self.ids())


class PythonVersionTests(ChecklistTestCase):
    def test_too_old_fires(self) -> None:
        for name, text in (
            ("runtime.txt", "python-3.9.18\n"),
            (".python-version", "3.8\n"),
            ("Dockerfile", "FROM python:3.9-slim\nRUN pip install -r requirements.txt\n"),
        ):
            with self.subTest(name):
                self.write(name, text)
                facts = self.facts()
                pin = next(pin for pin in facts.dependencies.python_pins if pin.file == name)
                self.assertIn(dependencies.e028(facts.dependencies, pin), self.messages())
                (self.base_dir / name).unlink()

    def test_too_new_fires(self) -> None:
        self.write(".python-version", "3.99\n")
        facts = self.facts()
        self.assertIn(dependencies.w029(facts.dependencies, facts.dependencies.python_pins[0]), self.messages())

    def test_quiet_for_this_python(self) -> None:
        self.write(".python-version", f"{THIS_PYTHON}\n")
        self.write("runtime.txt", f"python-{THIS_PYTHON}.1\n")
        ids = self.ids()
        self.assertNotIn("deploy_checklist.E028", ids)
        self.assertNotIn("deploy_checklist.W029", ids)

    def test_supported_range_comes_from_the_installed_django(self) -> None:
        low, high = dependencies.supported_pythons()
        self.assertIsNotNone(low)
        assert low is not None and high is not None
        self.assertLessEqual(low, (sys.version_info.major, sys.version_info.minor))
        self.assertGreaterEqual(high, (sys.version_info.major, sys.version_info.minor))


class ExampleProjectTests(SimpleTestCase):
    def test_example_requirements_lack_the_wsgi_server(self) -> None:
        self.assertEqual((EXAMPLE_DIR / "requirements.txt").read_text().split(), ["Django>=5.2"])
        result = run_manage(Path(EXAMPLE_DIR), "explain_checklist", "--format", "json")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"deploy_checklist.E023"', result.stdout)
