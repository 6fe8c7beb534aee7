"""References in stylesheets and scripts, read the way the manifest storage's post-processing reads them."""

from __future__ import annotations

import random
import re
import threading
import unittest
from collections.abc import Mapping
from typing import Any
from unittest import mock

from django.contrib.staticfiles import storage as django_storage
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns.static import stylesheets
from django_deploy_concepts.concerns.static.facts import SourceFacts
from django_deploy_concepts.concerns.static.finders import Listing
from tests.concerns.static.helpers import (
    BASE_APPS,
    BROKEN_APP,
    CLEAN_APP,
    MANIFEST_STORAGE,
    PLAIN_STORAGE,
    StaticTestCase,
    ids,
    storages,
)
from tests.fixtures.static.storages import ModuleScriptsStorage
from tests.utils import SUBPROCESS_TIMEOUT


class StylesheetReferencesTests(StaticTestCase):
    def missing(self, files: Mapping[str, str | bytes], **settings: Any) -> list[tuple[str, int, str, str]]:
        facts = self.facts(STATICFILES_DIRS=[str(self.sources(files))], **settings).stylesheets
        return [(reference.file, reference.line, reference.reference, reference.resolved) for reference in facts.missing]

    def test_a_reference_to_a_missing_file_is_s022_with_the_resolved_path(self) -> None:
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, BROKEN_APP])
        reference = stylesheets.BrokenReference("broken/css/broken.css", 1, "../img/hero.png", "broken/img/hero.png", None)
        self.assertEqual(facts.stylesheets.missing, (reference,))
        messages = stylesheets.check_stylesheet_references(facts)
        self.assertEqual(ids(messages), ["deploy_static.E022"])
        self.assertIn("broken/img/hero.png", messages[0].msg)
        self.assertIn("collectstatic fails", messages[0].hint or "")

    def test_each_kind_of_reference(self) -> None:
        rows = {
            "url()": ("a { background: url(../img/gone.png) }", "css/site.css", "img/gone.png"),
            "quoted url()": ("a {\n  background: url('img/gone.png');\n}", "css/site.css", "css/img/gone.png"),
            "@import": ('@import "gone.css";', "css/site.css", "css/gone.css"),
            "absolute below STATIC_URL": ('a { background: url("/static/img/gone.png") }', "css/site.css", "img/gone.png"),
            "fragment and query": ('@font-face { src: url("../fonts/gone.eot?#iefix") }', "css/site.css", "fonts/gone.eot"),
            "escaped": ("a { background: url(../img/gone%20file.png) }", "css/site.css", "img/gone file.png"),
            "outside the static files": ("a { background: url(../../../gone.png) }", "css/site.css", "../../gone.png"),
            "stylesheet source map": ("a {}\n/*# sourceMappingURL=site.css.map */", "css/site.css", "css/site.css.map"),
            "script source map": ("let a;\n//# sourceMappingURL=app.js.map", "js/app.js", "js/app.js.map"),
            "upper case": ("a { background: URL(../img/gone.png) }", "css/site.css", "img/gone.png"),
            "not ASCII": ("a::before { content: 'caf\xe9' }\nb { background: Url(gone.png) }", "css/site.css", "css/gone.png"),
        }
        for label, (text, name, resolved) in rows.items():
            with self.subTest(label):
                found = self.missing({name: text})
                self.assertEqual([(file, target) for file, _, _, target in found], [(name, resolved)])

    def test_the_line_is_counted(self) -> None:
        self.assertEqual(
            self.missing({"css/site.css": "a {}\n\nb { background: url(gone.png) }\n"}), [("css/site.css", 3, "gone.png", "css/gone.png")]
        )

    def test_what_collectstatic_leaves_alone_is_quiet(self) -> None:
        text = (
            'a { background: url("data:image/png;base64,iVBORw0KGgo="); }\n'
            'b { background: url("https://cdn.example.com/x.png"); }\n'
            "c { background: url(//cdn.example.com/x.png); }\n"
            'd { filter: url("#shadow"); }\n'
            'e { background: url("/media/uploads/x.png"); }\n'
            'f { background: url("../img/"); }\n'
            "g { background: url(../img/here.png); }\n"
        )
        facts = self.facts(STATICFILES_DIRS=[str(self.sources({"css/site.css": text, "img/here.png": b"\x89PNG"}))]).stylesheets
        self.assertEqual((facts.missing_count, facts.references, facts.verified, facts.ignored), (0, 7, 1, 6))

    def test_a_folder_reference_is_not_missing(self) -> None:
        # hashed_name() finds the folder in STATIC_ROOT, cannot open it, and leaves the reference as is.
        self.assertEqual(self.missing({"css/site.css": "a { background: url(../img) }", "img/here.png": b"\x89PNG"}), [])

    def test_the_clean_fixture_is_quiet(self) -> None:
        self.assertEqual(self.messages(stylesheets.check_stylesheet_references, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP]), [])

    def test_a_plain_storage_still_reports_with_another_consequence(self) -> None:
        messages = self.messages(
            stylesheets.check_stylesheet_references, INSTALLED_APPS=[*BASE_APPS, BROKEN_APP], STORAGES=storages(PLAIN_STORAGE)
        )
        self.assertEqual(ids(messages), ["deploy_static.E022"])
        self.assertIn("404", messages[0].hint or "")

    def test_the_storage_patterns_are_the_configured_ones(self) -> None:
        rows = {
            MANIFEST_STORAGE: MANIFEST_STORAGE,
            "tests.fixtures.static.storages.ModuleScriptsStorage": "tests.fixtures.static.storages.ModuleScriptsStorage",
            PLAIN_STORAGE: MANIFEST_STORAGE,
        }
        for backend, used in rows.items():
            with self.subTest(backend):
                self.assertEqual(self.facts(STORAGES=storages(backend)).stylesheets.patterns_from, used)

    def test_js_module_imports_are_read_when_the_storage_rewrites_them(self) -> None:
        files = {"js/app.js": 'import { a } from "./gone.js";\nexport const b = 1;\n'}
        self.assertEqual(self.missing(files, STORAGES=storages(MANIFEST_STORAGE)), [])
        found = self.missing(files, STORAGES=storages("tests.fixtures.static.storages.ModuleScriptsStorage"))
        self.assertEqual([(file, target) for file, _, _, target in found], [("js/app.js", "js/gone.js")])


JS_IGNORED = getattr(django_storage, "_js_ignored_re", None)


class MixedIgnoredStorage(ManifestStaticFilesStorage):
    """Django 6.1 reads each pattern with its own comments-and-strings expression; a pair gets the CSS one."""

    patterns = (
        (
            "*.js",
            (
                (r"(?P<matched>url\((?P<url>[^)]*)\))", "url(%(url)s)"),
                (r"(?P<matched>src=(?P<url>\S+))", "src=%(url)s", JS_IGNORED),
            ),
        ),
    )


class IgnoredBlocksTests(StaticTestCase):
    @unittest.skipUnless(JS_IGNORED is not None, "Django 6.1 skips references in comments and strings")
    def test_each_pattern_skips_its_own_comments(self) -> None:
        # The first pattern sees no comment in "// url(...)" (CSS has none); the second skips its match in it.
        found = self.missing(
            {"js/app.js": "// url(gone-a.png) src=gone-b.png\n"},
            STORAGES=storages("tests.concerns.static.test_stylesheets.MixedIgnoredStorage"),
        )
        self.assertEqual([reference for _, _, reference, _ in found], ["gone-a.png"])

    def missing(self, files: Mapping[str, str | bytes], **settings: Any) -> list[tuple[str, int, str, str]]:
        facts = self.facts(STATICFILES_DIRS=[str(self.sources(files))], **settings).stylesheets
        return [(reference.file, reference.line, reference.reference, reference.resolved) for reference in facts.missing]


class UndecodableTests(StaticTestCase):
    def test_a_stylesheet_that_is_not_utf8_is_s023_with_a_hashing_storage(self) -> None:
        assets = self.sources({"css/latin1.css": "a::before { content: 'caf\xe9'; }".encode("latin-1")})
        self.assertEqual(self.messages(stylesheets.check_undecodable, STATICFILES_DIRS=[str(assets)]), [stylesheets.e023("css/latin1.css")])

    def test_quiet(self) -> None:
        latin1 = self.sources({"css/latin1.css": "a::before { content: 'caf\xe9'; }".encode("latin-1")})
        rows: dict[str, dict[str, Any]] = {
            "plain storage copies bytes": {"STATICFILES_DIRS": [str(latin1)], "STORAGES": storages(PLAIN_STORAGE)},
            "utf-8": {"INSTALLED_APPS": [*BASE_APPS, CLEAN_APP]},
        }
        for label, settings in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(stylesheets.check_undecodable, **settings), [])


def resolved_by_django(storage_class: type, static_url: str, listing: Listing, name: str, reference: str) -> int | str:
    """What collectstatic makes of ``reference`` in file ``name``: its storage's own url_converter,
    with the storage's file lookups answered from ``listing`` (nothing read or hashed)."""

    class ListingLookup(storage_class):  # type: ignore[misc]
        def __init__(self) -> None:
            self.base_url = static_url
            self.looked_up: str | None = None

        def exists(self, path: str) -> bool:
            self.looked_up = path
            # STATIC_ROOT after collectstatic: "" is the folder itself.
            return path == "" or path in listing.files or path in listing.directories

        def open(self, path: str, mode: str = "rb") -> Any:
            raise IsADirectoryError(path)

    storage = ListingLookup()
    match = re.match(r"(?P<matched>url\((?P<url>.*)\))", f"url({reference})", re.DOTALL)
    assert match is not None
    with override_settings(STATIC_URL=static_url):
        try:
            storage.url_converter(name, {})(match)
        except ValueError:  # "The file ... could not be found"
            return storage.looked_up if storage.looked_up is not None else stylesheets.LEFT_ALONE
    return stylesheets.LEFT_ALONE if storage.looked_up is None else stylesheets.FOUND


class TargetTests(SimpleTestCase):
    """Scan.target stays (Django's url_converter, asked per reference, costs explain_static about 15% more
    CPU on the benchmark project): it must resolve every reference as Django's own code does."""

    def test_the_same_answer_as_djangos_url_converter(self) -> None:
        files = {"app/css/a.css", "app/img/b.png", "app/img/c d.png", "img/top.png", "app/font.eot"}
        listing = Listing(dict.fromkeys(files), SourceFacts())  # type: ignore[arg-type]
        rows = [
            "../img/b.png", "../img/gone.png", "b.png", "", "#frag", "data:image/png;base64,AA", "https://x.example/y.png",
            "//cdn.example/y.png", "/static/app/img/b.png", "/static/app/img/gone.png", "/media/x.png", "../img/b.png?v=1",
            "../img/b.png#x", "../font.eot?#iefix", "../img/c%20d.png", "../img/", "../../../outside.png", "../img/b.png ",
            "..\\img\\b.png", "./a.css", "a.css?#x", "HTTP:x", "../img/b.png?", "/static/", "?", "%2e%2e/img/b.png", "../img/b.png/",
        ]  # fmt: skip
        chooser = random.Random(5)
        pieces = ["../", "./", "img/", "b.png", "%20", "?", "#", "/static/", "/", "//", ":", "data", "\\", " ", "app/", "css", "."]
        # Django's patterns never capture leading blanks (`url\(['"]?\s*(?P<url>...`).
        rows += ["".join(chooser.choice(pieces) for _ in range(chooser.randrange(6))).lstrip() for _ in range(2000)]
        for storage_class in (ManifestStaticFilesStorage, ModuleScriptsStorage):
            scan = stylesheets.Scan(listing, "/static/")
            for reference in rows:
                with self.subTest(storage=storage_class.__name__, reference=reference):
                    target = scan.target("app/css", reference)
                    ours = stylesheets.LEFT_ALONE if target is None else stylesheets.FOUND if scan.exists(target) else target
                    self.assertEqual(ours, resolved_by_django(storage_class, "/static/", listing, "app/css/a.css", reference))


class BoundedScanTests(StaticTestCase):
    """Django's own url() expression is quadratic on unclosed url( repeated on one line: such a file is not verified."""

    def test_a_pathological_stylesheet_is_not_verified_and_the_others_are(self) -> None:
        assets = self.sources(
            {"css/slow.css": "a{background:url(" * 20_000, "css/fine.css": "a { background: url(../img/x.png) }", "img/x.png": ""}
        )
        self.assertGreater(len("a{background:url(" * 20_000), stylesheets.MAX_UNTIMED_BYTES)
        results: list[stylesheets.StylesheetFacts] = []

        def inspect() -> None:
            results.append(self.facts(STATICFILES_DIRS=[str(assets)]).stylesheets)

        # In the main thread a timer stops it; in another thread it is too large to scan.
        with mock.patch.object(stylesheets, "MAX_SCAN_SECONDS_PER_FILE", 0.5):
            inspect()
            thread = threading.Thread(target=inspect)
            thread.start()
            thread.join(SUBPROCESS_TIMEOUT)
        self.assertFalse(thread.is_alive())
        for facts in results:
            self.assertEqual(facts.unread, (("css/slow.css", stylesheets.NOT_VERIFIED),))
            self.assertEqual((facts.files, facts.verified, facts.missing_count), (2, 1, 0))
        self.assertIn("css/slow.css not scanned", [fact.label for fact in stylesheets.found(self.facts(STATICFILES_DIRS=[str(assets)]))])
