"""The one pass over the finders' files: counts, sources, shadowed paths, broken files and finders."""

from __future__ import annotations

import os
import posixpath
from unittest import mock

from django.test import override_settings

from django_deploy_concepts.concerns.static import finders
from django_deploy_concepts.context import build_context
from tests.concerns.static.helpers import BASE_APPS, CLEAN_APP, STATIC_FIXTURES, TWIN_APP, StaticTestCase, ids, make_fifo

DEFAULT_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder", "django.contrib.staticfiles.finders.AppDirectoriesFinder"]
RAISING_FINDER = "tests.fixtures.static.finders.RaisingFinder"
MISCONFIGURED_FINDER = "tests.fixtures.static.finders.MisconfiguredFinder"


class PassTests(StaticTestCase):
    def test_counts_sizes_and_sources(self) -> None:
        assets = self.sources({"site/main.css": "body {}\n", "site/big.js": "x" * 5000, ".hidden.css": "ignored by collectstatic"})
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], STATICFILES_DIRS=[str(assets)]).sources
        clean_files = sorted(
            os.path.relpath(os.path.join(folder, name), STATIC_FIXTURES / "clean" / "static")
            for folder, _, names in os.walk(STATIC_FIXTURES / "clean" / "static")
            for name in names
        )
        self.assertEqual(facts.files, 2 + len(clean_files))
        self.assertEqual(
            [(source.source, source.kind, source.files) for source in facts.sources],
            [(str(assets), "directory", 2), (CLEAN_APP, "app", len(clean_files))],
        )
        self.assertEqual(facts.largest[0], finders.StaticFile("site/big.js", str(assets), 5000))
        self.assertEqual(facts.bytes, sum(source.bytes for source in facts.sources))
        self.assertFalse(facts.failures or facts.unreadable or facts.truncated)

    def test_prefixed_dirs_collect_under_their_prefix(self) -> None:
        assets = self.sources({"jquery.js": "//"})
        with override_settings(**self.base_settings(), STATICFILES_DIRS=[("vendor", str(assets))]):
            files = finders.list_sources(build_context()).files
        self.assertEqual(list(files), ["vendor/jquery.js"])

    def test_one_pass_per_run(self) -> None:
        with override_settings(**self.base_settings()):
            context = build_context()
            self.assertIs(finders.listing(context), finders.listing(context))


class ListingTests(StaticTestCase):
    """Django's own storages are listed with get_files() and taken a folder at a time: the same paths, in the same order."""

    def test_the_same_files_in_the_same_order_as_get_files(self) -> None:
        from django.contrib.staticfiles.utils import get_files
        from django.core.files.storage import FileSystemStorage

        files = {
            name: ""
            for name in (
                "b.css", "a.css", ".hidden.css", "backup.css~", "CVS/entries", "css/CVS", "css/site.css", "css/site.css.map",
                "css/.cache/x.css", "vendor/lib/x.js", "vendor/lib/deep/y.js", "vendor/z.js", "img/logo.png", "zz/last.txt",
            )
        }  # fmt: skip
        root = self.sources(files)
        os.symlink(root / "vendor", root / "linked")
        os.symlink(root / "gone.css", root / "dangling.css")
        rows = {
            "collectstatic's defaults": finders.ignore_patterns(),
            "none": [],
            "names and paths": ["*.map", "vendor/lib/*", "img", "CVS", ".*", "*~"],
            # Each would match some path here, but only where it matches the file's or the first folder's name.
            "names only": ["c*", "*.js", "site.css", "lib", "z*"],
        }
        for label, patterns in rows.items():
            with self.subTest(label):
                storage = FileSystemStorage(location=str(root))
                self.assertEqual(
                    listed_paths(finders.storage_source("assets", "directory", storage, patterns)), list(get_files(storage, patterns))
                )

    def test_the_parent_folder_of_a_path_is_posixpath_dirname(self) -> None:
        for path in ("a/b/c.css", "c.css", "", "/", "//", "/x.css", "a//b.css", "a/b/", "//a//b//"):
            with self.subTest(path):
                self.assertEqual(finders.parent(path), posixpath.dirname(path))


class FolderAtOnceTests(StaticTestCase):
    """A folder is taken at once unless one of its files needs a closer look: the same as file by file."""

    def test_the_pass_over_folders_is_the_pass_file_by_file(self) -> None:
        from django.contrib.staticfiles.utils import get_files
        from django.core.files.storage import FileSystemStorage

        first = self.sources({"css/a.css": "a", "css/b.css": "bb", "js/app.js": "x" * 300, "top.txt": ""})
        second = self.sources({"css/b.css": "shadowed", "css/c.css": "c", "img/logo.png": b"\x89PNG"})
        # A folder to take file by file for each reason: a stat() that fails, a path taken already, a FIFO.
        os.symlink(first / "gone.js", first / "js" / "dangling.js")
        os.symlink(second / "gone.css", second / "css" / "dangling.css")
        os.symlink(first / "js" / "app.js", second / "img" / "linked.js")
        make_fifo(second / "img" / "pipe.png")
        rows = {"no prefix": ("", finders.MAX_FILES), "a prefix": ("vendor", finders.MAX_FILES), "stopped in a folder": ("", 6)}
        for label, (prefix, bound) in rows.items():
            with self.subTest(label), override_settings(**self.base_settings()), mock.patch.object(finders, "MAX_FILES", bound):
                passes = []
                for by_folder in (True, False):
                    walk = finders.Pass(build_context())
                    for root in (first, second):
                        storage = FileSystemStorage(location=str(root))
                        storage.prefix = prefix  # type: ignore[attr-defined]
                        source = finders.storage_source(str(root), "directory", storage, [])
                        if not by_folder:
                            source = source._replace(folders=(), files=[(path, storage) for path in get_files(storage, [])])
                        walk.take("finder", source)
                    passes.append((walk.files, walk.facts(("finder",))))
                self.assertEqual(passes[0], passes[1])

    def test_the_folders_the_pass_knew_are_the_folders_of_its_paths(self) -> None:
        assets = self.sources({"css/a.css": "", "css/deep/b.css": "", "top.css": "", "img/x/y/z.png": ""})
        # A file to look at closer: its folder is taken file by file.
        make_fifo(assets / "img" / "x" / "y" / "pipe.png")
        with override_settings(**self.base_settings(), STATICFILES_DIRS=[str(assets), ("vendor", str(assets)), str(assets)]):
            listing = finders.list_sources(build_context())
        self.assertIn("vendor/img/x/y", listing.directories)
        self.assertEqual(listing.directories, finders.Listing(listing.files, listing.facts).directories)


class ShadowedPathsTests(StaticTestCase):
    def test_same_path_in_two_sources_is_s019_naming_the_winner(self) -> None:
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP, TWIN_APP])
        shadowed = finders.ShadowedPath("clean/css/site.css", CLEAN_APP, (TWIN_APP,))
        self.assertEqual(facts.sources.shadowed, (shadowed,))
        self.assertEqual(finders.check_shadowed_paths(facts), [finders.i019(shadowed)])

    def test_every_one_is_listed_and_reported(self) -> None:
        first = self.sources({f"css/{index}.css": "" for index in range(60)})
        second = write_tree_copy(first, self.tmp / "second")
        facts = self.facts(STATICFILES_DIRS=[str(first), str(second)])
        messages = finders.check_shadowed_paths(facts)
        self.assertEqual(facts.sources.shadowed_count, 60)
        self.assertEqual(len(facts.sources.shadowed), 60)
        self.assertEqual(len(messages), 60)
        self.assertEqual(messages[0], finders.i019(finders.ShadowedPath("css/0.css", str(first), (str(second),))))

    def test_unique_paths_are_quiet(self) -> None:
        self.assertEqual(self.messages(finders.check_shadowed_paths, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP]), [])


def listed_paths(source: finders.Source) -> list[str]:
    """A source's paths as get_files() names them."""
    return [path for path, _ in source.files] + [os.path.join(folder, name) for folder, names in source.folders for name in names]


def write_tree_copy(source: os.PathLike[str], target: os.PathLike[str]) -> str:
    import shutil

    shutil.copytree(source, target)
    return os.fspath(target)


class FailingFindersTests(StaticTestCase):
    def test_failing_finders_are_s017(self) -> None:
        rows = {
            "raises while listing": (RAISING_FINDER, "ConnectionError: the asset server"),
            "raises when created": (MISCONFIGURED_FINDER, "ImproperlyConfigured: ASSET_SERVER_URL is not set"),
            "cannot be imported": ("tests.fixtures.static.finders.NoSuchFinder", "ImportError"),
        }
        for label, (finder, error) in rows.items():
            with self.subTest(label):
                messages = self.messages(finders.check_finders, STATICFILES_FINDERS=[*DEFAULT_FINDERS, finder])
                self.assertEqual(ids(messages), ["deploy_static.E017"])
                self.assertIn(error, messages[0].msg)

    def test_the_other_finders_still_list(self) -> None:
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], STATICFILES_FINDERS=[RAISING_FINDER, *DEFAULT_FINDERS])
        self.assertEqual([source.source for source in facts.sources.sources], [CLEAN_APP])

    def test_default_finders_are_quiet(self) -> None:
        self.assertEqual(self.messages(finders.check_finders, INSTALLED_APPS=[*BASE_APPS, CLEAN_APP]), [])


class UnreadableFilesTests(StaticTestCase):
    def test_files_collectstatic_cannot_copy_are_s018(self) -> None:
        assets = self.sources({"css/ok.css": "body {}"})
        os.symlink(assets / "css" / "gone.css", assets / "css" / "dangling.css")
        make_fifo(assets / "css" / "pipe.css")
        facts = self.facts(STATICFILES_DIRS=[str(assets)])
        reasons = {item.path: item.reason for item in facts.sources.unreadable}
        self.assertEqual(
            reasons,
            {
                "css/dangling.css": f"a symbolic link to a missing file ({assets / 'css' / 'gone.css'})",
                "css/pipe.css": "a named pipe (FIFO), not a file",
            },
        )
        self.assertEqual(finders.check_unreadable_files(facts), [finders.e018(item) for item in facts.sources.unreadable])

    def test_regular_files_are_quiet(self) -> None:
        assets = self.sources({"css/ok.css": "body {}", "img/binary.png": b"\x89PNG\r\n\x1a\n\x00\xff"})
        self.assertEqual(self.messages(finders.check_unreadable_files, STATICFILES_DIRS=[str(assets)]), [])

    def test_a_file_link_loop_fails_the_listing_as_it_fails_collectstatic(self) -> None:
        looping = self.sources({"css/ok.css": ""})
        os.symlink(looping / "css" / "loop-b.css", looping / "css" / "loop-a.css")
        os.symlink(looping / "css" / "loop-a.css", looping / "css" / "loop-b.css")
        facts = self.facts(STATICFILES_DIRS=[str(looping)])
        self.assertEqual(ids(finders.check_finders(facts)), ["deploy_static.E017"])
        self.assertIn("Too many levels of symbolic links", facts.sources.failures[0].error)

    def test_a_folder_link_loop_stops_that_source_only(self) -> None:
        looping = self.sources({"css/a.css": ""})
        os.symlink(looping, looping / "css" / "again")
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], STATICFILES_DIRS=[str(looping)])
        self.assertEqual(ids(finders.check_finders(facts)), ["deploy_static.E017"])
        self.assertIn("symbolic link", facts.sources.failures[0].error)
        self.assertIn(CLEAN_APP, [source.source for source in facts.sources.sources])
