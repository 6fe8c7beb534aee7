"""STATIC_URL and STATIC_ROOT beside STATICFILES_DIRS, MEDIA_ROOT, MEDIA_URL and the apps' static folders."""

from __future__ import annotations

import os
from typing import Any

from django_deploy_concepts.concerns.static import locations
from tests.concerns.static.helpers import BASE_APPS, CLEAN_APP, STATIC_FIXTURES, StaticTestCase, ids, storages


class StaticRootTests(StaticTestCase):
    def test_missing_root_is_s001(self) -> None:
        self.assertEqual(self.messages(locations.check_static_root, STATIC_ROOT=None), [locations.E001])

    def test_quiet(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "root set": {},
            "remote storage needs no root": {"STATIC_ROOT": None, "STORAGES": storages("django.core.files.storage.InMemoryStorage")},
            "staticfiles not installed": {
                "STATIC_ROOT": None,
                "INSTALLED_APPS": [app for app in BASE_APPS if app != "django.contrib.staticfiles"],
            },
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(locations.check_static_root, **settings), [])


class StaticUrlTests(StaticTestCase):
    def test_missing_url_is_s009(self) -> None:
        self.assertEqual(self.messages(locations.check_static_url, STATIC_URL=None), [locations.E009])

    def test_set_url_is_quiet(self) -> None:
        self.assertEqual(self.messages(locations.check_static_url, STATIC_URL="static/"), [])


class RootApartFromSourcesTests(StaticTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.assets = self.tmp / "assets"
        self.assets.mkdir()

    def test_overlaps_are_s005(self) -> None:
        linked = self.tmp / "linked"
        os.symlink(self.assets, linked)
        rows = {
            "root inside a source": (self.assets / "collected", [self.assets]),
            "source inside the root": (self.tmp, [self.assets]),
            "root is a source through a link": (linked, [self.assets]),
            "prefixed source": (self.assets / "collected", [("vendor", str(self.assets))]),
        }
        for label, (root, dirs) in rows.items():
            with self.subTest(label):
                messages = self.messages(locations.check_root_apart_from_dirs, STATIC_ROOT=str(root), STATICFILES_DIRS=dirs)
                self.assertEqual(ids(messages), ["deploy_static.E005"])
                self.assertIn(str(root), messages[0].msg)

    def test_quiet(self) -> None:
        rows = {
            # The very same path is Django's own staticfiles.E002, folded into this concern.
            "same path": (self.assets, [self.assets]),
            "apart": (self.static_root, [self.assets]),
            "no dirs": (self.static_root, []),
        }
        for label, (root, dirs) in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(locations.check_root_apart_from_dirs, STATIC_ROOT=str(root), STATICFILES_DIRS=dirs), [])

    def test_the_step_covers_djangos_own_e002(self) -> None:
        steps = locations.steps(self.facts(STATIC_ROOT=str(self.assets), STATICFILES_DIRS=[self.assets]))
        self.assertEqual([step.title for step in steps], ["Give collectstatic a folder of its own, apart from your sources and uploads."])


class RootApartFromMediaTests(StaticTestCase):
    def test_overlaps_are_s006(self) -> None:
        rows = {
            "same folder": (self.static_root, self.static_root),
            "media inside root": (self.static_root, self.static_root / "media"),
            "root inside media": (self.tmp / "media" / "static", self.tmp / "media"),
        }
        for label, (root, media) in rows.items():
            with self.subTest(label):
                messages = self.messages(locations.check_root_apart_from_media, STATIC_ROOT=str(root), MEDIA_ROOT=str(media))
                self.assertEqual(ids(messages), ["deploy_static.E006"])

    def test_apart_is_quiet(self) -> None:
        self.assertEqual(self.messages(locations.check_root_apart_from_media, MEDIA_ROOT=str(self.tmp / "media")), [])

    def test_unset_media_root_is_quiet(self) -> None:
        self.assertEqual(self.messages(locations.check_root_apart_from_media, MEDIA_ROOT=""), [])


class MediaUrlTests(StaticTestCase):
    def test_overlaps_are_s007(self) -> None:
        for media_url in ("/static/", "/static/media/"):
            with self.subTest(media_url):
                messages = self.messages(locations.check_media_url_apart, MEDIA_URL=media_url)
                self.assertEqual(ids(messages), ["deploy_static.E007"])
                self.assertIn(repr(media_url), messages[0].msg)

    def test_apart_is_quiet(self) -> None:
        for media_url in ("/media/", "", "https://uploads.example.com/"):
            with self.subTest(media_url):
                self.assertEqual(self.messages(locations.check_media_url_apart, MEDIA_URL=media_url), [])


class RootOutsideAppsTests(StaticTestCase):
    def test_root_in_an_app_static_folder_is_s008(self) -> None:
        root = STATIC_FIXTURES / "clean" / "static" / "collected"
        messages = self.messages(locations.check_root_outside_apps, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], STATIC_ROOT=str(root))
        self.assertEqual(ids(messages), ["deploy_static.E008"])
        self.assertIn(CLEAN_APP, messages[0].msg)

    def test_root_elsewhere_is_quiet(self) -> None:
        self.assertEqual(self.messages(locations.check_root_outside_apps, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP]), [])
