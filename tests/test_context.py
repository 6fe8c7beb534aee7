"""The shared project context: the bounded listing of the project tree."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase

from django_deploy_concepts import context

# Created in this order, listed in os.walk's: each directory's files sorted, then its sorted
# sub-directories, depth first.
FILES = ("b.txt", "a.txt", "z/deep/f.conf", "m/c.service", "m/a.ini", "Procfile")
EXPECTED = ("Procfile", "a.txt", "b.txt", "m/a.ini", "m/c.service", "z/deep/f.conf")


def make_files(root: Path, relative_paths: tuple[str, ...]) -> None:
    for relative in relative_paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


class ListTreeTests(SimpleTestCase):
    def listing(self, *extra: str) -> context.ProjectTree:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            make_files(root, (*FILES, *extra))
            return context.list_tree(root)

    def test_relative_paths_in_walk_order(self) -> None:
        tree = self.listing()
        self.assertEqual(tree.files, tuple(path.replace("/", os.sep) for path in EXPECTED))
        self.assertFalse(tree.truncated)
        self.assertEqual(tree.errors, ())

    def test_the_listing_is_the_same_as_os_walk(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            make_files(root, (*FILES, "z/a/b/c/d.txt", "z/a/e.txt", "y/x/w.txt"))
            walked: list[str] = []
            for folder, folders, names in os.walk(root):
                folders.sort()
                walked += [os.path.relpath(os.path.join(folder, name), root) for name in sorted(names)]
            self.assertEqual(context.list_tree(root).files, tuple(walked))

    def test_skipped_directories_are_not_entered(self) -> None:
        rows = [*sorted(context.SKIPPED_DIRS), "mypackage.egg-info"]
        for folder in rows:
            with self.subTest(folder=folder):
                self.assertEqual(self.listing(f"{folder}/inside.txt", f"{folder}/sub/inside.conf").files, self.listing().files)

    def test_a_file_named_like_a_skipped_directory_is_listed(self) -> None:
        self.assertIn("env", self.listing("env").files)

    def test_symbolic_links_to_directories_are_not_followed(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            make_files(root, FILES)
            (root / "link").symlink_to(root / "m", target_is_directory=True)
            (root / "loop").symlink_to(root / "loop")
            (root / "m" / "up").symlink_to(root, target_is_directory=True)
            tree = context.list_tree(root)
        self.assertFalse([path for path in tree.files if path.startswith(("link", os.path.join("m", "up")))])
        # A link that leads nowhere is a name like any file's, as os.walk lists it.
        self.assertIn("loop", tree.files)

    def test_the_listing_is_bounded(self) -> None:
        rows = [(1, EXPECTED[:1]), (3, EXPECTED[:3]), (4, EXPECTED[:4]), (len(EXPECTED), EXPECTED)]
        for bound, expected in rows:
            with self.subTest(bound=bound), mock.patch.object(context, "MAX_TREE_ENTRIES", bound):
                tree = self.listing()
                self.assertEqual(tree.files, tuple(path.replace("/", os.sep) for path in expected))
                # Reaching the bound counts as truncated, as the listing cannot tell it saw everything.
                self.assertTrue(tree.truncated)

    def test_an_unreadable_root_is_an_error_not_a_traceback(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            rows = [Path(directory) / "missing", Path(directory) / "a-file"]
            (Path(directory) / "a-file").write_text("x")
            for root in rows:
                with self.subTest(root=root.name):
                    tree = context.list_tree(root)
                    self.assertEqual(tree.files, ())
                    self.assertEqual(len(tree.errors), 1)
                    self.assertIn(f"cannot list {root}", tree.errors[0])
