"""The storage backend in effect: settings Django ignores, plain names, imports, WhiteNoise's settings."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from django_deploy_concepts import runner
from django_deploy_concepts.concerns.static import storage
from django_deploy_concepts.context import build_context
from tests.concerns.static.helpers import MANIFEST_STORAGE, PLAIN_STORAGE, WHITENOISE_STORAGE, StaticTestCase, ids, storages

COMPRESSED_STORAGE = "whitenoise.storage.CompressedStaticFilesStorage"


class RemovedSettingsTests(StaticTestCase):
    def test_removed_settings_are_s002_naming_their_value(self) -> None:
        for name, key in storage.REMOVED_STORAGE_SETTINGS.items():
            with self.subTest(name):
                messages = self.messages(storage.check_removed_storage_settings, **{name: WHITENOISE_STORAGE})
                self.assertEqual(messages, [storage.w002(storage.IgnoredSetting(name, WHITENOISE_STORAGE, key))])

    def test_unset_is_quiet(self) -> None:
        self.assertEqual(self.messages(storage.check_removed_storage_settings), [])

    def test_step_replaces_the_setting_with_storages(self) -> None:
        steps = storage.steps(self.facts(STATICFILES_STORAGE=WHITENOISE_STORAGE, STORAGES=storages(PLAIN_STORAGE)))
        self.assertEqual(len(steps), 1)
        self.assertIn("Delete STATICFILES_STORAGE", steps[0].detail)
        self.assertIn(f'"staticfiles": {{"BACKEND": "{WHITENOISE_STORAGE}"}}', steps[0].code)


class HashingStorageTests(StaticTestCase):
    def test_django_default_plain_storage_is_s010(self) -> None:
        # STORAGES left to Django's default: the plain storage was never chosen. Advice, not a failure.
        with override_settings(STATIC_ROOT=str(self.static_root), STATIC_URL="/static/"):
            facts = self.facts_without_storages()
        self.assertEqual(storage.check_hashing_storage(facts), [storage.i010(PLAIN_STORAGE)])

    def facts_without_storages(self) -> Any:
        from django_deploy_concepts.concerns import static

        return static.collect_facts(build_context())

    def test_plain_storage_chosen_on_purpose_is_quiet(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "named in STORAGES": {"STORAGES": storages(PLAIN_STORAGE)},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(storage.check_hashing_storage, **settings), [])
        # django-compressor hashes its own output: the plain storage beside it is a choice.
        with (
            override_settings(STATIC_ROOT=str(self.static_root), STATIC_URL="/static/"),
            self.modify_settings(INSTALLED_APPS={"append": "compressor"}),
        ):
            facts = self.facts_without_storages()
        self.assertTrue(facts.storage.compressor)
        self.assertEqual(storage.check_hashing_storage(facts), [])

    def test_quiet(self) -> None:
        rows: dict[str, dict[str, Any]] = {
            "manifest": {"STORAGES": storages(MANIFEST_STORAGE)},
            "whitenoise manifest": {"STORAGES": storages(WHITENOISE_STORAGE)},
            # W002 names the root cause; one message for it.
            "ignored STATICFILES_STORAGE": {"STORAGES": storages(PLAIN_STORAGE), "STATICFILES_STORAGE": WHITENOISE_STORAGE},
            # Django's own staticfiles.E005 reports it.
            "no staticfiles storage": {"STORAGES": {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}},
            "backend cannot be imported": {"STORAGES": storages("whitenoise.storage.NoSuchStorage")},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(storage.check_hashing_storage, **settings), [])

    def test_djangos_e005_is_folded_into_this_concern(self) -> None:
        with override_settings(
            STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}, STATIC_ROOT=str(self.static_root)
        ):
            report = runner.build_report(build_context(), ["static"])
        self.assertIn("staticfiles.E005", [finding.id for finding in report.concerns[0].findings])


class ImportableStorageTests(StaticTestCase):
    def test_unimportable_backend_is_s011(self) -> None:
        rows = {"no such class": "whitenoise.storage.NoSuchStorage", "no such module": "storages.backends.s3.S3Storage"}
        for label, backend in rows.items():
            with self.subTest(label):
                messages = self.messages(storage.check_storage_importable, STORAGES=storages(backend))
                self.assertEqual(ids(messages), ["deploy_static.E011"])
                self.assertIn(backend, messages[0].msg)

    def test_importable_backend_is_quiet(self) -> None:
        self.assertEqual(self.messages(storage.check_storage_importable, STORAGES=storages(MANIFEST_STORAGE)), [])


class StorageFactsTests(StaticTestCase):
    def test_traits_of_each_backend(self) -> None:
        rows = {
            PLAIN_STORAGE: (False, False, False),
            MANIFEST_STORAGE: (True, True, False),
            COMPRESSED_STORAGE: (False, False, True),
            WHITENOISE_STORAGE: (True, True, True),
        }
        for backend, (hashes, manifest, compresses) in rows.items():
            with self.subTest(backend):
                facts = self.facts(STORAGES=storages(backend)).storage
                self.assertEqual((facts.hashes, facts.manifest, facts.compresses, facts.local), (hashes, manifest, compresses, True))

    def test_whitenoise_manifest_strict_setting_is_read(self) -> None:
        self.assertFalse(self.facts(WHITENOISE_MANIFEST_STRICT=False).storage.manifest_strict)
        self.assertTrue(self.facts().storage.manifest_strict)


class WhiteNoiseStorageSettingsTests(StaticTestCase):
    def test_settings_the_storage_ignores_are_s015(self) -> None:
        rows = {
            "keep only hashed, Django's manifest": ("WHITENOISE_KEEP_ONLY_HASHED_FILES", True, MANIFEST_STORAGE),
            "manifest strict, compressed only": ("WHITENOISE_MANIFEST_STRICT", False, COMPRESSED_STORAGE),
            "skip extensions, plain": ("WHITENOISE_SKIP_COMPRESS_EXTENSIONS", ["png"], PLAIN_STORAGE),
        }
        for label, (name, value, backend) in rows.items():
            with self.subTest(label):
                messages = self.messages(storage.check_whitenoise_storage_settings, STORAGES=storages(backend), **{name: value})
                self.assertEqual(messages, [storage.w015(name, repr(value), backend)])

    def test_settings_the_storage_reads_are_quiet(self) -> None:
        rows = {
            "keep only hashed": ("WHITENOISE_KEEP_ONLY_HASHED_FILES", True, WHITENOISE_STORAGE),
            "skip extensions, compressed": ("WHITENOISE_SKIP_COMPRESS_EXTENSIONS", ["png"], COMPRESSED_STORAGE),
        }
        for label, (name, value, backend) in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(storage.check_whitenoise_storage_settings, STORAGES=storages(backend), **{name: value}), [])


class DefaultStorageTests(StaticTestCase):
    """STORAGES written with only a "staticfiles" entry: InvalidStorageError on the first upload."""

    STATIC_ONLY = {"staticfiles": {"BACKEND": WHITENOISE_STORAGE}}

    def test_file_field_on_the_default_storage_is_s034(self) -> None:
        facts = self.facts(STORAGES=self.STATIC_ONLY)
        self.assertEqual(facts.storage.default_storage_fields, ("testapp.Document.attachment",))
        self.assertEqual(storage.check_default_storage(facts), [storage.e034(("testapp.Document.attachment",))])
        # The real failure the message predicts.
        from django.core.files.storage import InvalidStorageError
        from django.core.files.storage import storages as django_storages

        with (
            override_settings(STORAGES=self.STATIC_ONLY),
            self.assertRaisesMessage(InvalidStorageError, "Could not find config for 'default'"),
        ):
            django_storages["default"]

    def test_no_file_field_is_s035(self) -> None:
        from tests.testapp.models import Document

        field = Document._meta.get_field("attachment")
        facts = self.facts(STORAGES=self.STATIC_ONLY)
        self.assertEqual(len(facts.storage.default_storage_fields), 1, field)
        import dataclasses

        quiet_fields = dataclasses.replace(facts, storage=dataclasses.replace(facts.storage, default_storage_fields=()))
        self.assertEqual(storage.check_default_storage(quiet_fields), [storage.W035])

    def test_default_entry_present_is_quiet(self) -> None:
        self.assertEqual(self.messages(storage.check_default_storage), [])
