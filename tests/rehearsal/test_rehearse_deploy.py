"""rehearse_deploy on small real projects: real collectstatic, gunicorn and sqlite, real requests.

Each class writes one project into a temporary directory and rehearses it once (in a manage.py
process, as a user runs it); its tests read that one result.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Any, ClassVar

from django.test import SimpleTestCase

from tests.rehearsal.project import CLEAN_URLS, SECRET_KEY, kill, manage, rehearsal_processes, rehearse, tree_digest, write_project
from tests.utils import IN_CI


def failures(data: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [failure for failure in data.get("failures", []) if failure["finding"]["id"] == check_id]


def failure_at(data: dict[str, Any], check_id: str, url: str) -> dict[str, Any]:
    found = [failure for failure in failures(data, check_id) if failure["url"] == url or url in failure["also"]]
    if len(found) != 1:
        raise AssertionError(f"{check_id} at {url}: {found} in {data.get('failures')}")
    return found[0]


class RehearsalTestCase(SimpleTestCase):
    """Writes the project in ``setUpClass`` (``prepare``), rehearses it once with ``arguments``."""

    arguments: ClassVar[tuple[str, ...]] = ()
    environment: ClassVar[dict[str, str]] = {}
    project: ClassVar[dict[str, Any]] = {}
    migrate: ClassVar[tuple[str, ...] | None] = ("migrate", "--noinput")
    directory: ClassVar[Path]
    temporary: ClassVar[Path]
    result: ClassVar[subprocess.CompletedProcess[str]]
    data: ClassVar[dict[str, Any]]
    before: ClassVar[dict[str, str]]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.root = Path(tempfile.mkdtemp(prefix="ddc-rehearsal-test-"))
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.directory = write_project(cls.root / "project", **cls.project)
        cls.temporary = cls.root / "tmp"
        cls.temporary.mkdir()
        if cls.migrate:
            result = manage(cls.directory, *cls.migrate, env=cls.environment)
            if result.returncode != 0:
                raise AssertionError(result.stderr)
        cls.prepare()
        cls.before = tree_digest(cls.directory)
        cls.result, cls.data = rehearse(cls.directory, *cls.arguments, env={"TMPDIR": str(cls.temporary), **cls.environment})
        cls.addClassCleanup(kill, rehearsal_processes(cls.temporary))

    @classmethod
    def prepare(cls) -> None:
        """Changes to the project before the rehearsal."""

    def assert_rehearsed(self) -> None:
        self.assertIn("failures", self.data, self.result.stderr[-3000:])


class BrokenPagesTests(RehearsalTestCase):
    """Manifest storage, no static file server, a migration not applied, uploads nobody serves."""

    arguments = ("--host", "shop.example.com", "--proxy", "same-host")

    @classmethod
    def prepare(cls) -> None:
        result = manage(cls.directory, "migrate", "shop", "0001", "--noinput")
        if result.returncode != 0:
            raise AssertionError(result.stderr)
        # A STATIC_ROOT from an earlier collectstatic: the rehearsal must not touch it.
        (cls.directory / "staticfiles").mkdir()
        (cls.directory / "staticfiles" / "old.txt").write_text("from an earlier build\n")

    def test_a_missing_manifest_entry_is_a_500_on_that_page_only(self) -> None:
        self.assert_rehearsed()
        failure = failure_at(self.data, "deploy_rehearsal.E004", "/about/")
        self.assertEqual(failure["status"], 500)
        self.assertIn("ValueError: Missing staticfiles manifest entry for 'shop/css/about-missing.css'", failure["error"])
        self.assertEqual(failure["concern"], "static")
        self.assertIn("deploy_static.E020", failure["predicted_by"])
        pages = {visit["url"]: visit["status"] for visit in self.data["visits"] if visit["kind"] in ("page", "link")}
        self.assertEqual(pages["https://shop.example.com/"], 200)

    def test_an_unapplied_migration_is_a_500_on_the_page_that_queries(self) -> None:
        failure = failure_at(self.data, "deploy_rehearsal.E004", "/items/")
        self.assertIn("OperationalError: no such column: shop_item.price", failure["error"])
        self.assertEqual(failure["concern"], "database")
        self.assertIn("deploy_database.E027", failure["predicted_by"])

    def test_static_files_404_because_nothing_serves_them(self) -> None:
        (failure,) = failures(self.data, "deploy_rehearsal.E008")
        self.assertEqual(failure["status"], 404)
        urls = [failure["url"], *failure["also"]]
        self.assertTrue(any(url.startswith("/static/shop/css/site.") and url.endswith(".css") for url in urls), urls)
        self.assertIn("deploy_static.E003", failure["predicted_by"])

    def test_the_media_file_404s(self) -> None:
        failure = failure_at(self.data, "deploy_rehearsal.E009", "/media/covers/cover.png")
        self.assertEqual(failure["status"], 404)
        self.assertEqual(failure["concern"], "webserver")

    def test_a_view_calling_outside_fails_fast_through_the_closed_proxy(self) -> None:
        failure = failure_at(self.data, "deploy_rehearsal.W015", "/outside/")
        self.assertIn("Connection refused", failure["error"])

    def test_a_view_that_writes_writes_to_the_copy_only(self) -> None:
        pages = {visit["url"]: visit["status"] for visit in self.data["visits"]}
        self.assertEqual(pages["https://shop.example.com/hit/"], 200)
        with sqlite3.connect(self.directory / "db.sqlite3") as connection:
            self.assertEqual(connection.execute("SELECT COUNT(*) FROM shop_hit").fetchone(), (0,))

    def test_login_post_with_csrf_token_and_origin_is_accepted_on_the_same_host(self) -> None:
        self.assertEqual(failures(self.data, "deploy_rehearsal.E007"), [])
        posts = [visit for visit in self.data["visits"] if visit["method"] == "POST" and visit["kind"] == "admin"]
        self.assertEqual([visit["status"] for visit in posts], [200])

    def test_unknown_url_gets_the_projects_404_page(self) -> None:
        unknown = [visit for visit in self.data["visits"] if visit["kind"] == "unknown"]
        self.assertEqual([visit["status"] for visit in unknown], [404])
        self.assertIn("unknown URL: 404 with the project's own page", self.data["worked"])
        self.assertEqual(failures(self.data, "deploy_rehearsal.E010"), [])

    def test_patterns_with_arguments_and_other_hosts_are_not_visited(self) -> None:
        urls = {visit["url"] for visit in self.data["visits"]}
        self.assertFalse([url for url in urls if "/item/" in url or "elsewhere" in url])

    def test_project_tree_database_and_static_root_are_byte_identical(self) -> None:
        self.assertEqual(tree_digest(self.directory), self.before)

    def test_no_process_is_left_and_the_temporary_directory_is_removed(self) -> None:
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])

    def test_nothing_secret_is_printed(self) -> None:
        failure = failure_at(self.data, "deploy_rehearsal.E004", "/leak/")
        self.assertEqual(failure["error"].split(" (")[0], "ValueError: the key is ********")
        self.assertNotIn(SECRET_KEY, self.result.stdout + self.result.stderr)
        self.assertEqual(failure["predicted_by"], [])
        self.assertFalse(failure["predicted"])

    def test_exit_status_follows_fail_level(self) -> None:
        self.assertEqual(self.result.returncode, 0)


class StylesheetBuildFailureTests(RehearsalTestCase):
    """A stylesheet url() to a missing file: collectstatic fails, and every page is a 500."""

    arguments = ("--host", "shop.example.com", "--proxy", "same-host", "--fail-level", "ERROR", "--max-pages", "5")
    project: ClassVar[dict[str, Any]] = {
        "site_css": 'body { background: url("../img/missing.png"); }\n',
        "urls": CLEAN_URLS,
        "admin": False,
    }
    migrate = None

    def test_collectstatic_failure_is_the_first_finding_with_its_error(self) -> None:
        self.assert_rehearsed()
        first = self.data["failures"][0]
        self.assertEqual(first["finding"]["id"], "deploy_rehearsal.E001")
        self.assertIn("could not be found", first["error"])
        self.assertIn("shop/img/missing.png", first["error"])
        self.assertEqual(first["concern"], "static")
        self.assertIn("deploy_static.E022", first["predicted_by"])

    def test_pages_then_fail_for_want_of_a_manifest(self) -> None:
        failure = failure_at(self.data, "deploy_rehearsal.E004", "/")
        self.assertIn("Missing staticfiles manifest entry", failure["error"])
        self.assertIn("deploy_static.E022", failure["predicted_by"])

    def test_fail_level_error_exits_1(self) -> None:
        self.assertEqual(self.result.returncode, 1, self.result.stderr[-2000:])
        self.assertIn("failure(s) at level ERROR or above", self.result.stderr)


class NoStaticRootDebugStringTests(RehearsalTestCase):
    """No STATIC_ROOT, and DEBUG read from the environment as a string ("False" is true)."""

    arguments = ("--host", "shop.example.com", "--proxy", "same-host", "--max-pages", "5")
    project: ClassVar[dict[str, Any]] = {
        "settings": 'import os\ndel STATIC_ROOT\nDEBUG = os.environ.get("SHOP_DEBUG", "False")\n',
        "urls": CLEAN_URLS,
        "admin": False,
    }
    migrate = None

    def test_collectstatic_refuses_without_static_root(self) -> None:
        self.assert_rehearsed()
        (failure,) = failures(self.data, "deploy_rehearsal.E001")
        self.assertIn("You're using the staticfiles app without having set the STATIC_ROOT setting", failure["error"])
        self.assertEqual(failure["predicted_by"], ["deploy_static.E001"])

    def test_the_debug_page_leaks_on_an_unknown_url(self) -> None:
        (failure,) = failures(self.data, "deploy_rehearsal.E010")
        urls = [failure["url"], *failure["also"]]
        self.assertTrue([url for url in urls if url.startswith("/ddc-rehearsal-")], urls)
        self.assertEqual(failure["concern"], "checklist")
        self.assertIn("deploy_checklist.E001", failure["predicted_by"])


class WrongWsgiPathTests(RehearsalTestCase):
    arguments = ("--host", "shop.example.com")
    project: ClassVar[dict[str, Any]] = {
        "procfile": "web: gunicorn shopsite.wsgix --bind 0.0.0.0:$PORT\n",
        "urls": CLEAN_URLS,
        "admin": False,
    }
    migrate = None

    def test_the_server_does_not_boot_with_gunicorns_own_error(self) -> None:
        self.assert_rehearsed()
        (failure,) = self.data["failures"]
        self.assertEqual(failure["finding"]["id"], "deploy_rehearsal.E003")
        self.assertEqual(failure["error"], "ModuleNotFoundError: No module named 'shopsite.wsgix'")
        self.assertEqual(failure["concern"], "wsgi")
        self.assertIn("deploy_wsgi.E005", failure["predicted_by"])
        # gunicorn may listen before its worker fails (a request cut off) or stop before any request
        # is sent (gunicorn 22 on a loaded machine): either way no page is answered.
        self.assertEqual([visit for visit in self.data["visits"] if visit["status"] is not None], [])

    def test_no_process_is_left(self) -> None:
        self.assertEqual(rehearsal_processes(self.temporary), [])
        self.assertEqual(list(self.temporary.iterdir()), [])


RENDER = {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "shop.onrender.com"}


class SslRedirectLoopBehindRouterTests(RehearsalTestCase):
    """SECURE_SSL_REDIRECT behind a router on another host, without SECURE_PROXY_SSL_HEADER."""

    arguments = ("--max-pages", "5")
    environment = RENDER
    project: ClassVar[dict[str, Any]] = {
        "settings": 'ALLOWED_HOSTS = ["shop.onrender.com"]\nSECURE_SSL_REDIRECT = True\n',
        "urls": CLEAN_URLS,
        "admin": False,
        "procfile": None,
    }
    migrate = None

    def test_pages_redirect_in_a_loop(self) -> None:
        self.assert_rehearsed()
        failure = failure_at(self.data, "deploy_rehearsal.E006", "/")
        self.assertIn("https://shop.onrender.com/ -> https://shop.onrender.com/", failure["finding"]["msg"])
        self.assertEqual(failure["concern"], "webserver")
        self.assertIn("deploy_webserver.E001", failure["predicted_by"])
        self.assertEqual(self.data["project"]["host"], "shop.onrender.com")


class CsrfOriginBehindRouterTests(RehearsalTestCase):
    arguments = ("--max-pages", "5")
    environment = RENDER
    project: ClassVar[dict[str, Any]] = {"settings": 'ALLOWED_HOSTS = ["shop.onrender.com"]\n', "urls": CLEAN_URLS, "procfile": None}
    migrate = None

    def test_the_login_post_fails_origin_checking(self) -> None:
        self.assert_rehearsed()
        failure = failure_at(self.data, "deploy_rehearsal.E007", "/admin/login/")
        self.assertEqual(failure["status"], 403)
        self.assertIn("Origin checking failed - https://shop.onrender.com does not match any trusted origins.", failure["error"])
        self.assertIn("deploy_webserver.E004", failure["predicted_by"])


class DisallowedHostTests(RehearsalTestCase):
    arguments = ("--max-pages", "5")
    environment = RENDER
    project: ClassVar[dict[str, Any]] = {
        "settings": 'ALLOWED_HOSTS = ["www.shop.example.com"]\n',
        "urls": CLEAN_URLS,
        "procfile": None,
        "admin": False,
    }
    migrate = None

    def test_every_request_is_a_400(self) -> None:
        self.assert_rehearsed()
        (failure,) = failures(self.data, "deploy_rehearsal.E005")
        self.assertIn(
            "Invalid HTTP_HOST header: 'shop.onrender.com'. You may need to add 'shop.onrender.com' to ALLOWED_HOSTS.", failure["error"]
        )
        self.assertIn("/items/", failure["also"])
        self.assertIn("deploy_webserver.E002", failure["predicted_by"])
        statuses = {visit["status"] for visit in self.data["visits"] if visit["kind"] != "static"}
        self.assertEqual(statuses, {400})


COMPRESSOR = """
INSTALLED_APPS.append("compressor")
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "compressor.finders.CompressorFinder",
]
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = True
"""


class OfflineCompressionTests(RehearsalTestCase):
    """COMPRESS_OFFLINE on, but no template uses {% compress %}: the build's compress step fails."""

    arguments = ("--host", "shop.example.com", "--proxy", "same-host", "--no-inspection")
    project: ClassVar[dict[str, Any]] = {"settings": COMPRESSOR, "urls": CLEAN_URLS, "admin": False}
    migrate = None

    @classmethod
    def setUpClass(cls) -> None:
        try:
            import compressor  # noqa: F401
        except ImportError as exc:
            message = "django-compressor is not installed (pip install -e '.[test]')"
            if IN_CI:
                raise AssertionError(message) from exc
            raise unittest.SkipTest(message) from exc
        super().setUpClass()

    def test_the_compress_step_fails_with_its_error(self) -> None:
        self.assert_rehearsed()
        (failure,) = failures(self.data, "deploy_rehearsal.E002")
        self.assertIn("No 'compress' template tags found in templates.", failure["error"])
        self.assertEqual(failure["concern"], "static")
        self.assertEqual([stage["name"] for stage in self.data["stages"]][:3], ["build", "collectstatic", "compress"])


RELEASE_PROCFILE = "release: python manage.py migrate --noinput\nweb: gunicorn shopsite.wsgi --bind 0.0.0.0:$PORT --workers 2\n"
FAILING_MIGRATION = """from django.db import migrations


def fail(apps, schema_editor):
    raise ValueError("prices cannot be converted")


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_item_price")]
    operations = [migrations.RunPython(fail)]
"""


class ReleaseMigrateTests(RehearsalTestCase):
    """The Procfile's release step runs migrate: the rehearsal runs it on the sqlite copy."""

    arguments = ("--host", "shop.example.com", "--proxy", "same-host", "--max-pages", "5", "--no-inspection")
    project: ClassVar[dict[str, Any]] = {"procfile": RELEASE_PROCFILE, "urls": CLEAN_URLS, "admin": False}

    @classmethod
    def prepare(cls) -> None:
        result = manage(cls.directory, "migrate", "shop", "0001", "--noinput")
        if result.returncode != 0:
            raise AssertionError(result.stderr)

    def test_the_page_needing_the_migration_works_and_the_database_is_unchanged(self) -> None:
        self.assert_rehearsed()
        self.assertEqual(failures(self.data, "deploy_rehearsal.E016"), [])
        pages = {visit["url"]: visit["status"] for visit in self.data["visits"]}
        self.assertEqual(pages["https://shop.example.com/items/"], 200)
        self.assertIn("migrate (Procfile line 1) on the sqlite copies", self.data["worked"])
        self.assertEqual(tree_digest(self.directory), self.before)


class FailingMigrationTests(RehearsalTestCase):
    arguments = ("--host", "shop.example.com", "--max-pages", "1")
    project: ClassVar[dict[str, Any]] = {"procfile": RELEASE_PROCFILE, "urls": CLEAN_URLS, "admin": False}
    migrate = None

    @classmethod
    def prepare(cls) -> None:
        (cls.directory / "shop" / "migrations" / "0003_convert_prices.py").write_text(FAILING_MIGRATION)

    def test_the_release_step_fails_with_its_error(self) -> None:
        self.assert_rehearsed()
        (failure,) = failures(self.data, "deploy_rehearsal.E016")
        self.assertEqual(failure["error"], "ValueError: prices cannot be converted")
        self.assertEqual(failure["concern"], "database")
        self.assertIn("migrate, as Procfile line 1 runs it, failed", failure["finding"]["msg"])


class ForcedSettingsModuleTests(RehearsalTestCase):
    """manage.py and wsgi.py assign DJANGO_SETTINGS_MODULE instead of defaulting it."""

    arguments = ("--host", "shop.example.com", "--no-inspection")
    project: ClassVar[dict[str, Any]] = {"urls": CLEAN_URLS, "admin": False}

    @classmethod
    def prepare(cls) -> None:
        for name in ("manage.py", "shopsite/wsgi.py"):
            path = cls.directory / name
            text = path.read_text().replace(
                'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")',
                'os.environ["DJANGO_SETTINGS_MODULE"] = "shopsite.settings"',
            )
            path.write_text(text)

    def test_collectstatic_still_builds_into_the_temporary_directory(self) -> None:
        self.assert_rehearsed()
        collect = next(stage for stage in self.data["stages"] if stage["name"] == "collectstatic")
        self.assertTrue(collect["ok"], collect)
        self.assertIn("ddc-rehearsal-", collect["outcome"])
        self.assertFalse((self.directory / "staticfiles").exists())

    def test_the_server_is_not_started_on_the_projects_own_settings(self) -> None:
        (failure,) = failures(self.data, "deploy_rehearsal.W017")
        self.assertIn("wsgi.py sets DJANGO_SETTINGS_MODULE itself", failure["finding"]["msg"])
        self.assertEqual(self.data["visits"], [])
        self.assertEqual(tree_digest(self.directory), self.before)
