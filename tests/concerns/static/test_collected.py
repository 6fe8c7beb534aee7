"""STATIC_ROOT as it is now, read without writing: absent, collected, stale, its manifest, and git."""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any
from unittest import mock

from django.core.management import call_command
from django.test import override_settings

from django_deploy_concepts.concerns.static import collected
from tests.concerns.static.helpers import BASE_APPS, CLEAN_APP, MANIFEST_STORAGE, PLAIN_STORAGE, StaticTestCase, ids, storages, write_tree
from tests.utils import require_executable

CLEAN = {"INSTALLED_APPS": [*BASE_APPS, CLEAN_APP]}


class CollectedTestCase(StaticTestCase):
    def collect(self, **settings: Any) -> None:
        """Run the real collectstatic into the test's own STATIC_ROOT."""
        with override_settings(**{**self.base_settings(), **settings}):
            call_command("collectstatic", interactive=False, verbosity=0)


class NotCollectedTests(CollectedTestCase):
    def test_absent_or_empty_root_is_s028(self) -> None:
        for state in ("absent", "empty"):
            with self.subTest(state):
                if state == "empty":
                    self.static_root.mkdir()
                facts = self.facts(**CLEAN)
                self.assertEqual(facts.collected.state, state)
                self.assertEqual(collected.check_collected(facts), [collected.i028(str(self.static_root), state)])

    def test_collected_root_is_quiet(self) -> None:
        self.collect(**CLEAN)
        facts = self.facts(**CLEAN)
        self.assertEqual((facts.collected.state, facts.collected.manifest), ("collected", "present"))
        self.assertEqual(collected.check_collected(facts), [])

    def test_nothing_is_written(self) -> None:
        self.facts(**CLEAN)
        self.assertFalse(self.static_root.exists())


class UsableRootTests(CollectedTestCase):
    def test_a_file_in_place_of_the_root_is_s024(self) -> None:
        self.static_root.write_text("not a folder")
        self.assertEqual(self.messages(collected.check_root_usable), [collected.e024(str(self.static_root), "not a directory", None)])

    def test_a_folder_is_quiet(self) -> None:
        self.static_root.mkdir()
        self.assertEqual(self.messages(collected.check_root_usable), [])


class ManifestTests(CollectedTestCase):
    def test_collected_without_a_usable_manifest_is_s025(self) -> None:
        rows = {"absent": None, "not json": "{", "wrong version": json.dumps({"version": "9", "paths": {}}), "a folder": "/"}
        for label, content in rows.items():
            with self.subTest(label):
                write_tree(self.static_root, {"clean/css/site.css": "body {}"})
                manifest = self.static_root / "staticfiles.json"
                if manifest.is_dir():
                    manifest.rmdir()
                manifest.unlink(missing_ok=True)
                if content == "/":
                    manifest.mkdir()
                elif content is not None:
                    manifest.write_text(content)
                messages = self.messages(collected.check_manifest, STORAGES=storages(MANIFEST_STORAGE))
                self.assertEqual(ids(messages), ["deploy_static.W025"])

    def test_quiet(self) -> None:
        self.collect(**CLEAN, STORAGES=storages(MANIFEST_STORAGE))
        rows = {"collected with a manifest": MANIFEST_STORAGE, "no manifest storage": PLAIN_STORAGE}
        for label, backend in rows.items():
            with self.subTest(label):
                self.assertEqual(self.messages(collected.check_manifest, STORAGES=storages(backend), **CLEAN), [])


class StaleTests(CollectedTestCase):
    def test_sources_missing_or_changed_since_collecting_are_s026(self) -> None:
        assets = self.sources({"css/a.css": "a {}", "css/b.css": "b {}"})
        self.collect(STATICFILES_DIRS=[str(assets)])
        (assets / "css" / "new.css").write_text("new {}")
        later = time.time() + 60
        os.utime(assets / "css" / "a.css", (later, later))
        facts = self.facts(STATICFILES_DIRS=[str(assets)])
        self.assertEqual((facts.collected.missing_sample, facts.collected.newer_sample), (("css/new.css",), ("css/a.css",)))
        self.assertEqual(collected.check_stale(facts), [collected.i026(str(self.static_root), 1, 1)])

    def test_only_hashed_copies_count_through_the_manifest(self) -> None:
        assets = self.sources({"css/a.css": "a {}"})
        self.collect(STATICFILES_DIRS=[str(assets)], WHITENOISE_KEEP_ONLY_HASHED_FILES=True)
        self.assertFalse((self.static_root / "css" / "a.css").exists())
        self.assertEqual(self.messages(collected.check_stale, STATICFILES_DIRS=[str(assets)]), [])

    def test_fresh_copy_is_quiet(self) -> None:
        self.collect(**CLEAN)
        self.assertEqual(self.messages(collected.check_stale, **CLEAN), [])


class GitTests(CollectedTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.git = require_executable("git")
        self.project = self.tmp / "project"
        self.project.mkdir()
        self.run_git("init", "-q")
        self.static_root = self.project / "staticfiles"

    def run_git(self, *arguments: str) -> None:
        subprocess.run(
            [self.git, "-C", str(self.project), "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def vcs(self, **settings: Any) -> collected.CollectedFacts:
        return self.facts(BASE_DIR=self.project, **settings).collected

    def test_a_root_git_would_commit_is_s027(self) -> None:
        write_tree(self.static_root, {"css/site.css": "body {}"})
        facts = self.facts(BASE_DIR=self.project)
        self.assertEqual((facts.collected.vcs, facts.collected.repository_path), ("not ignored", "staticfiles"))
        self.assertEqual(collected.check_vcs(facts), [collected.w027("staticfiles", facts.collected)])
        self.assertEqual(collected.steps(facts)[0].code, "echo '/staticfiles/' >> .gitignore")

    def test_a_committed_root_is_s027(self) -> None:
        write_tree(self.project, {".gitignore": "staticfiles/\n", "staticfiles/css/site.css": "body {}"})
        self.run_git("add", "-f", "staticfiles")
        self.run_git("commit", "-q", "-m", "collected")
        facts = self.facts(BASE_DIR=self.project)
        self.assertEqual((facts.collected.vcs, facts.collected.tracked_files), ("committed", 1))
        self.assertIn("committed to git (1 files)", collected.check_vcs(facts)[0].msg)

    def test_quiet(self) -> None:
        rows: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
            "ignored": ({".gitignore": "/staticfiles\n"}, {}),
            "ignored by a wildcard": ({".gitignore": "static*/\n"}, {}),
            "outside the repository": ({}, {"STATIC_ROOT": str(self.tmp / "elsewhere")}),
        }
        for label, (files, settings) in rows.items():
            with self.subTest(label):
                write_tree(self.project, files)
                self.assertEqual(collected.check_vcs(self.facts(BASE_DIR=self.project, **settings)), [])
                (self.project / ".gitignore").unlink(missing_ok=True)

    def test_without_git_the_gitignore_is_read(self) -> None:
        empty_path = self.tmp / "no-git-here"
        empty_path.mkdir()
        rows = {"/staticfiles/\n": "ignored", "*.pyc\n": "unknown"}
        for text, state in rows.items():
            with self.subTest(text), mock.patch.dict(os.environ, {"PATH": str(empty_path)}):
                write_tree(self.project, {".gitignore": text})
                self.assertEqual(self.vcs().vcs, state)
                self.assertEqual(collected.check_vcs(self.facts(BASE_DIR=self.project)), [])


class GitignoreTests(StaticTestCase):
    def test_patterns(self) -> None:
        rows = [
            ("staticfiles/\n", "staticfiles", True),
            ("/staticfiles\n", "staticfiles", True),
            ("*.pyc\n", "staticfiles", None),
            ("staticfiles/\n!staticfiles/\n", "staticfiles", False),
            ("assets\n", "web/assets", True),
            ("web/assets/\n", "web/assets", True),
            ("assets/public\n", "web/assets", None),
        ]
        for text, relative, verdict in rows:
            with self.subTest(text=text, relative=relative):
                self.assertEqual(collected.gitignore_verdict(text, relative), verdict)
