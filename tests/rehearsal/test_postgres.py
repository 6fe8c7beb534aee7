"""rehearse_deploy on PostgreSQL: the data is used through read-only transactions, never changed."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.postgres import PostgresServer
from tests.rehearsal.project import CLEAN_URLS
from tests.rehearsal.test_rehearse_deploy import RehearsalTestCase, failure_at

PASSWORD = "pg-rehearsal-p@ss:w0rd-never-printed"
server: PostgresServer | None = None


def setUpModule() -> None:
    global server
    server = PostgresServer(tls=False)
    server.start()
    try:
        server.create_role("shop", PASSWORD)
        server.create_database("shop", "shop")
    except BaseException:
        server.stop()
        raise


def tearDownModule() -> None:
    if server is not None:
        server.stop()


SETTINGS = """import os
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": os.environ["SHOP_DB_PASSWORD"],
        "HOST": "127.0.0.1",
        "PORT": os.environ["SHOP_DB_PORT"],
    }
}
"""


class PostgresReadOnlyTests(RehearsalTestCase):
    arguments = ("--host", "shop.example.com", "--proxy", "same-host")
    project: ClassVar[dict[str, Any]] = {"settings": SETTINGS, "urls": CLEAN_URLS, "admin": False}

    @classmethod
    def setUpClass(cls) -> None:
        assert server is not None
        cls.environment = {"SHOP_DB_PASSWORD": PASSWORD, "SHOP_DB_PORT": str(server.port)}
        super().setUpClass()

    @classmethod
    def prepare(cls) -> None:
        assert server is not None
        server.execute("INSERT INTO shop_item (name, price) VALUES ('pen', 2)", database="shop")

    def test_a_view_that_writes_needs_a_writable_database_not_tried(self) -> None:
        self.assert_rehearsed()
        failure = failure_at(self.data, "deploy_rehearsal.W011", "/hit/")
        self.assertIn("cannot execute INSERT in a read-only transaction", failure["error"])
        self.assertEqual(failure["finding"]["level"], "warning")
        self.assertEqual(failure["concern"], "database")

    def test_the_data_is_unchanged(self) -> None:
        assert server is not None
        self.assertEqual(server.execute("SELECT COUNT(*) FROM shop_hit", database="shop"), [(0,)])
        self.assertEqual(server.execute("SELECT name, price FROM shop_item", database="shop"), [("pen", 2)])

    def test_pages_that_read_work(self) -> None:
        pages = {visit["url"]: visit["status"] for visit in self.data["visits"]}
        self.assertEqual(pages["https://shop.example.com/items/"], 200)
        # Nothing serves the static files here (E008): that is not the database's doing.
        database = [failure["finding"]["id"] for failure in self.data["failures"] if failure["concern"] == "database"]
        self.assertEqual(database, ["deploy_rehearsal.W011"])
        self.assertEqual([failure for failure in self.data["failures"] if failure["finding"]["id"] == "deploy_rehearsal.E004"], [])

    def test_the_password_is_never_printed(self) -> None:
        self.assertNotIn(PASSWORD, self.result.stdout + self.result.stderr)
