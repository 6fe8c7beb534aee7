"""The estimate of what compression saves on text assets, bounded so it stays fast on large trees."""

from __future__ import annotations

import gzip
import importlib.util
import random

from django_deploy_concepts.concerns.static import compression
from tests.concerns.static.helpers import BASE_APPS, CLEAN_APP, PLAIN_STORAGE, StaticTestCase, storages


class CompressionTests(StaticTestCase):
    def test_text_assets_are_estimated_with_gzip_and_brotli(self) -> None:
        stylesheet = "".join(f".block-{index} {{ color: #{index:06x}; margin: {index % 9}px; }}\n" for index in range(400))
        assets = self.sources({"css/site.css": stylesheet, "img/photo.png": bytes(random.Random(1).getrandbits(8) for _ in range(2000))})
        facts = self.facts(STATICFILES_DIRS=[str(assets)]).compression
        self.assertEqual((facts.text_files, facts.text_bytes, facts.sampled_files), (1, len(stylesheet), 1))
        self.assertEqual(facts.gzip_bytes, len(gzip.compress(stylesheet.encode(), compresslevel=9, mtime=0)))
        if importlib.util.find_spec("brotli") is not None:
            self.assertTrue(facts.brotli_available)
            self.assertLess(facts.brotli_bytes or 0, facts.gzip_bytes or 0)

    def test_the_sample_is_bounded(self) -> None:
        lines = "".join(f"line {index} of a script that compresses well\n" for index in range(1000))
        assets = self.sources({f"js/{index}.js": lines for index in range(200)})
        facts = self.facts(STATICFILES_DIRS=[str(assets)]).compression
        self.assertEqual(facts.text_files, 200)
        self.assertLessEqual(facts.sampled_bytes, compression.GZIP_SAMPLE_BYTES + compression.SAMPLE_FILE_BYTES)
        self.assertLess(facts.sampled_files, 200)
        self.assertLess(facts.gzip_bytes or 0, facts.text_bytes)

    def test_skipped_extensions_follow_whitenoise(self) -> None:
        assets = self.sources({"css/site.css": "a {}" * 100, "font/inter.woff2": b"wOF2" * 50})
        rows = {"default skips fonts": ({}, 400), "the setting replaces the list": ({"WHITENOISE_SKIP_COMPRESS_EXTENSIONS": ["css"]}, 200)}
        for label, (settings, text_bytes) in rows.items():
            with self.subTest(label):
                facts = self.facts(STATICFILES_DIRS=[str(assets)], **settings).compression
                self.assertEqual((facts.text_files, facts.text_bytes), (1, text_bytes))

    def test_no_text_assets_no_estimate(self) -> None:
        facts = self.facts(STATICFILES_DIRS=[str(self.sources({"img/a.png": b"\x89PNG"}))]).compression
        self.assertEqual((facts.text_files, facts.gzip_bytes, facts.brotli_bytes), (0, None, None))

    def test_described_with_what_the_storage_does(self) -> None:
        rows = {"compressing": ({}, "compressed at collectstatic"), "plain": ({"STORAGES": storages(PLAIN_STORAGE)}, "NOT compressed")}
        for label, (settings, expected) in rows.items():
            with self.subTest(label):
                self.assertIn(expected, compression.describe(self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], **settings)))
