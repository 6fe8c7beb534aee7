from __future__ import annotations

import json
import re
import urllib.parse
import warnings

from django.test import SimpleTestCase, override_settings
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext_lazy
from django.views.debug import SafeExceptionReporterFilter, get_default_exception_reporter_filter

from django_deploy_concepts import masking
from django_deploy_concepts.report import Fact, Finding
from tests.utils import override_databases


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
    )
    def test_secret_settings_and_environment_are_known(self) -> None:
        with override_databases(
            {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "PASSWORD": "planted-db-password"}}
        ):
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


class NeverForcedError(Exception):
    pass


def never_evaluate() -> str:
    raise NeverForcedError("a lazy setting was evaluated")


class PlantedFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|STRIPE", flags=re.IGNORECASE)


class LazySettingsTests(SimpleTestCase):
    def test_lazy_settings_are_never_evaluated(self) -> None:
        lazy = SimpleLazyObject(never_evaluate)
        with override_settings(
            LAZY_TOKEN=lazy, NESTED={"OPTIONS": {"password": SimpleLazyObject(never_evaluate)}}, PROMISED=gettext_lazy("x")
        ):
            secrets = masking.known_secrets({})
        self.assertIsInstance(secrets, frozenset)
        self.assertIs(vars(lazy)["_wrapped"], empty)

    def test_an_evaluated_lazy_setting_is_read(self) -> None:
        lazy = SimpleLazyObject(lambda: "planted-lazy-token-value")
        str(lazy)
        with override_settings(LAZY_TOKEN=lazy):
            self.assertIn("planted-lazy-token-value", masking.known_secrets({}))

    def test_containers_are_read_through_the_built_in_types(self) -> None:
        class Hostile(dict):  # type: ignore[type-arg]
            def items(self):  # type: ignore[no-untyped-def]
                raise NeverForcedError("an override was called")

        with override_settings(HOSTILE=Hostile(PASSWORD="planted-hostile-password")):
            self.assertIn("planted-hostile-password", masking.known_secrets({}))


class SecretNamesTests(SimpleTestCase):
    def test_names_come_from_the_projects_exception_reporter_filter(self) -> None:
        with override_settings(STRIPE_LIVE_CREDENTIAL_X="planted-stripe-1", STRIPE_ACCOUNT="planted-stripe-2"):
            self.assertNotIn("planted-stripe-2", masking.known_secrets({}))
            with override_settings(DEFAULT_EXCEPTION_REPORTER_FILTER=f"{__name__}.PlantedFilter"):
                get_default_exception_reporter_filter.cache_clear()
                try:
                    self.assertIn("planted-stripe-2", masking.known_secrets({}))
                finally:
                    get_default_exception_reporter_filter.cache_clear()

    def test_an_unimportable_filter_falls_back_to_djangos_names(self) -> None:
        with override_settings(DEFAULT_EXCEPTION_REPORTER_FILTER="no.such.Filter", API_KEY="planted-api-key-1"):
            get_default_exception_reporter_filter.cache_clear()
            try:
                self.assertIn("planted-api-key-1", masking.known_secrets({}))
            finally:
                get_default_exception_reporter_filter.cache_clear()


class SecretShapesTests(SimpleTestCase):
    def test_every_printed_form_of_a_secret_is_masked(self) -> None:
        secret = "planted-file-secret-9f8e7d\n"
        with override_settings(API_TOKEN=secret, SMTP_RELAY_PASSWORD='pl"anted\\pw/1+2 x'):
            secrets = masking.known_secrets({})
        rows = [
            f"error: {secret.strip()} here",
            f"header value {secret!r} invalid",
            json.dumps({"value": secret}),
            "postgres://u:" + urllib.parse.quote('pl"anted\\pw/1+2 x', safe="") + "@h/d",
            json.dumps('pl"anted\\pw/1+2 x'),
            repr('pl"anted\\pw/1+2 x'),
        ]
        for text in rows:
            with self.subTest(text=text):
                scrubbed = masking.scrub_text(text, secrets)
                self.assertNotIn("planted-file-secret", scrubbed)
                self.assertNotIn("anted", scrubbed)

    def test_a_password_in_a_database_host_is_masked(self) -> None:
        databases = {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "app:planted-host-pw@db.example.com"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with override_settings(DATABASES=databases):
                self.assertIn("planted-host-pw", masking.known_secrets({}))
        rows = [
            ("app:planted-host-pw@db.example.com", f"app:{masking.MASK}@db.example.com"),
            ("planted-host-pw@db.example.com", f"{masking.MASK}@db.example.com"),
            ("db.example.com", "db.example.com"),
        ]
        for host, expected in rows:
            with self.subTest(host=host):
                self.assertEqual(masking.mask_host(host), expected)

    def test_environment_values_shaped_like_credentials_are_secrets(self) -> None:
        secrets = masking.known_secrets(
            {"STRIPE_LIVE": "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "REGION": "eu-west-1", "HOST": "app.example.com"}
        )
        self.assertIn("sk_live_4eC39HqLyjWDarjtT1zdp7dc", secrets)
        self.assertNotIn("eu-west-1", secrets)
        self.assertNotIn("app.example.com", secrets)


class CapQuotedTests(SimpleTestCase):
    def test_long_quoted_values_are_cut(self) -> None:
        rows = [
            ("url('" + "a" * 100_000 + "') missing", "url('" + "a" * masking.QUOTED_SHOWN + "...' (100000 characters)) missing"),
            ('"' + "b" * 300 + '"', '"' + "b" * masking.QUOTED_SHOWN + '..." (300 characters)'),
            ("short 'quoted' value", "short 'quoted' value"),
            # Prose: apostrophes and the ends of short quotations are not the edges of a value.
            (
                "Why doesn't it work? " + "word " * 60 + "the platform's router.",
                "Why doesn't it work? " + "word " * 60 + "the platform's router.",
            ),
            ('It says "a" and ' + "word " * 60 + 'then "b".', 'It says "a" and ' + "word " * 60 + 'then "b".'),
        ]
        for text, expected in rows:
            with self.subTest(text=text[:20]):
                self.assertEqual(masking.cap_quoted(text), expected)


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
