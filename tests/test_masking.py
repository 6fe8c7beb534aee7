from __future__ import annotations

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts import masking
from django_deploy_concepts.report import Fact, Finding


class MaskUrlTests(SimpleTestCase):
    def test_password_part_is_masked(self) -> None:
        rows = [
            ("postgres://app:s3cr3t@db.example.com:5432/app", "postgres://app:********@db.example.com:5432/app"),
            ("mysql://root:p%40ss@localhost/db", "mysql://root:********@localhost/db"),
            ("postgres://app@db/app", "postgres://app@db/app"),
            ("sqlite:///db.sqlite3", "sqlite:///db.sqlite3"),
            ("not a url", "not a url"),
        ]
        for url, expected in rows:
            with self.subTest(url=url):
                self.assertEqual(masking.mask_url(url), expected)


class KnownSecretsTests(SimpleTestCase):
    @override_settings(
        SECRET_KEY="planted-secret-key-value-0123456789",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"password": "planted-email-password"}}},
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "PASSWORD": "planted-db-password"}},
    )
    def test_secret_settings_and_environment_are_known(self) -> None:
        secrets = masking.known_secrets(
            {"GITHUB_TOKEN": "planted-token-value", "DATABASE_URL": "postgres://u:planted-url-pw@h/d", "HOME": "/root"}
        )
        for planted in (
            "planted-secret-key-value-0123456789",
            "planted-email-password",
            "planted-db-password",
            "planted-token-value",
            "planted-url-pw",
        ):
            with self.subTest(planted=planted):
                self.assertIn(planted, secrets)
        self.assertNotIn("/root", secrets)

    def test_short_environment_flags_are_not_secrets(self) -> None:
        self.assertNotIn("true", masking.known_secrets({"AUTH_ENABLED": "true"}))


class ScrubTests(SimpleTestCase):
    def test_scrub_reaches_nested_dataclasses_and_mappings(self) -> None:
        value = {"facts": [Fact("password", "x hunter22 y")], "finding": Finding("id", "error", "msg hunter22")}
        scrubbed = masking.scrub(value, {"hunter22"})
        self.assertEqual(scrubbed["facts"][0].value, f"x {masking.MASK} y")
        self.assertEqual(scrubbed["finding"].msg, f"msg {masking.MASK}")

    def test_secret_inside_a_longer_word_is_left_alone(self) -> None:
        self.assertEqual(
            masking.scrub_text("postgresql://postgres:postgres@h", {"postgres"}), f"postgresql://{masking.MASK}:{masking.MASK}@h"
        )

    def test_longest_secret_is_masked_whole(self) -> None:
        self.assertEqual(masking.scrub_text("key abcd-efgh end", {"abcd", "abcd-efgh"}), f"key {masking.MASK} end")


class SecretNamedContainerTests(SimpleTestCase):
    """A setting named like a secret whose values are ordinary: mask by the value's key and shape."""

    @override_settings(
        SECRETS_BACKEND={"HOST": "vault.internal.example.org", "PORT": "8200", "APP": "mysite", "TOKEN": "s.Zq81hN2xV"},
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        SECRET_SETTINGS={"modules": ["mysite.settings", "localhost"], "signing": "9fQ2x7LkPz3WmB8vR1tY"},
    )
    def test_ordinary_values_stay_visible_secrets_masked(self) -> None:
        from django_deploy_concepts import masking

        secrets = masking.known_secrets({})
        text = masking.scrub_text(
            "mysite at vault.internal.example.org:8200 token s.Zq81hN2xV key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY "
            "signing 9fQ2x7LkPz3WmB8vR1tY settings mysite.settings",
            secrets,
        )
        self.assertEqual(
            text,
            "mysite at vault.internal.example.org:8200 token ******** key ******** signing ******** settings mysite.settings",
        )
