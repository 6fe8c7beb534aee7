"""Every check id is defined once, keeps to its concern's label and its level's letter, and has its reference entry."""

from __future__ import annotations

import ast
import itertools
import re
from collections import defaultdict
from pathlib import Path

from django.test import SimpleTestCase

import django_deploy_concepts
from django_deploy_concepts.concerns import all_concerns
from tests.utils import REPO_ROOT

PACKAGE_DIR = Path(django_deploy_concepts.__file__).parent
DOCS_DIR = REPO_ROOT / "docs"
DEFINED_ID = re.compile(r"""id=f?["'](deploy_[a-z]+\.[A-Z][0-9]{3})["']""")
ANY_ID = re.compile(r"deploy_[a-z]+\.[A-Z][0-9]{3}")


def package_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def documented_ids() -> set[str]:
    headings: set[str] = set()
    for page in DOCS_DIR.rglob("*.rst"):
        lines = page.read_text(encoding="utf-8").splitlines()
        for title, underline in itertools.pairwise(lines):
            if ANY_ID.fullmatch(title.strip()) and set(underline.strip()) == {"-"}:
                headings.add(title.strip())
    return headings


class ReferenceTests(SimpleTestCase):
    def test_each_id_is_defined_by_one_unit(self) -> None:
        """One constant or one factory per id; a factory may word variants of its one problem."""
        units: dict[str, set[str]] = defaultdict(set)
        for path, text in package_sources().items():
            for node in ast.parse(text).body:
                segment = ast.get_source_segment(text, node) or ""
                name = getattr(node, "name", None) or ast.unparse(getattr(node, "targets", [node])[0])
                for check_id in DEFINED_ID.findall(segment):
                    # A factory and the helpers named after it (e018, e018_...) are one unit.
                    units[check_id].add(f"{path.name}:{name.split('_')[0].lower()}")
        self.assertTrue(units)
        self.assertEqual({check_id: places for check_id, places in units.items() if len(places) > 1}, {})

    def test_each_id_in_the_code_has_a_reference_entry(self) -> None:
        used = {match for text in package_sources().values() for match in ANY_ID.findall(text)}
        used |= {f"{concern.LABEL}.E000" for concern in all_concerns()}
        self.assertEqual(sorted(used - documented_ids()), [])

    def test_ids_use_their_concerns_label(self) -> None:
        labels = {concern.LABEL for concern in all_concerns()}
        self.assertEqual(len(labels), len(all_concerns()))
        for path, text in package_sources().items():
            concern = next(
                (concern for concern in all_concerns() if concern.NAME in path.relative_to(PACKAGE_DIR).parts or path.stem == concern.NAME),
                None,
            )
            if concern is None:
                continue
            for check_id in DEFINED_ID.findall(text):
                with self.subTest(path=str(path), id=check_id):
                    self.assertTrue(check_id.startswith(f"{concern.LABEL}."))


class TestCoverageOfIdsTests(SimpleTestCase):
    def test_each_id_is_exercised_by_some_test(self) -> None:
        """A guard, not a proof: an id no test names has certainly no fire/quiet test."""
        tests_dir = REPO_ROOT / "tests"
        test_text = "\n".join(path.read_text(encoding="utf-8") for path in tests_dir.rglob("test_*.py"))
        defined = {match for text in package_sources().values() for match in DEFINED_ID.findall(text)}
        unexercised = []
        for check_id in sorted(defined):
            short = check_id.split(".", 1)[1]
            # Tests name an id by its string or by its constant or factory (E001, w002(...)).
            if check_id not in test_text and not re.search(rf"\b{short}\b|\b{short.lower()}\(", test_text):
                unexercised.append(check_id)
        self.assertEqual(unexercised, [])


class ReadmeIndexTests(SimpleTestCase):
    def test_readme_lists_every_id(self) -> None:
        readme = (REPO_ROOT / "README.rst").read_text(encoding="utf-8")
        used = {match for text in package_sources().values() for match in ANY_ID.findall(text)}
        used |= {f"{concern.LABEL}.E000" for concern in all_concerns()}
        self.assertEqual(sorted(check_id for check_id in used if f"``{check_id}``" not in readme), [])


LEVEL_LETTERS = {"Critical": "C", "Error": "E", "Warning": "W", "Info": "I", "Debug": "D"}
DEFINITION = re.compile(
    r"""\b(Critical|Error|Warning|Info|Debug)\((?:(?!\b(?:Critical|Error|Warning|Info|Debug)\().)*?id=f?["'](deploy_[a-z]+\.[A-Z][0-9]{3})["']""",
    re.S,
)


class LevelLetterTests(SimpleTestCase):
    def test_each_id_letter_is_its_level(self) -> None:
        defined = {}
        for text in package_sources().values():
            for level, check_id in DEFINITION.findall(text):
                defined.setdefault(check_id, set()).add(level)
        self.assertGreater(len(defined), 100)
        for check_id, levels in sorted(defined.items()):
            with self.subTest(check_id):
                self.assertEqual(levels, {next(name for name, letter in LEVEL_LETTERS.items() if letter == check_id.split(".")[1][0])})

    def test_reference_entries_name_the_level_of_their_letter(self) -> None:
        words = {"E": "*Error.*", "W": "*Warning.*", "I": "*Info.*"}
        for page in DOCS_DIR.rglob("*.rst"):
            lines = page.read_text(encoding="utf-8").splitlines()
            for index, line in enumerate(lines[:-2]):
                if ANY_ID.fullmatch(line.strip()) and set(lines[index + 1].strip()) == {"-"}:
                    with self.subTest(line):
                        self.assertTrue(lines[index + 2].startswith(words[line.strip().split(".")[1][0]]), lines[index + 2])
