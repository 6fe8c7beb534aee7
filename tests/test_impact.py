"""Every finding has an impact: each id of this app and each Django id a concern claims has its row."""

from __future__ import annotations

import re
from pathlib import Path

import django
from django.test import SimpleTestCase

import django_deploy_concepts
from django_deploy_concepts import impact
from django_deploy_concepts.concerns import all_concerns
from django_deploy_concepts.report import ConcernReport, Explanation, Finding, Report, is_ready

PACKAGE_DIR = Path(django_deploy_concepts.__file__).parent
DEFINED_ID = re.compile(r"""id=f?["'](deploy_[a-z]+\.[A-Z][0-9]{3})["']""")
DJANGO_ID = re.compile(r"""id=["']([a-z0-9_]+\.[A-Z][0-9]{3})["']""")


def ids_in_code() -> set[str]:
    return {match for path in PACKAGE_DIR.rglob("*.py") for match in DEFINED_ID.findall(path.read_text(encoding="utf-8"))}


def djangos_ids() -> set[str]:
    django_dir = Path(django.__file__).parent
    return {match for path in django_dir.rglob("*.py") for match in DJANGO_ID.findall(path.read_text(encoding="utf-8"))}


def claimed(check_id: str, patterns: tuple[str, ...]) -> bool:
    return any(check_id == pattern or (pattern.endswith(".") and check_id.startswith(pattern)) for pattern in patterns)


def finding(check_id: str, level: str = "warning") -> Finding:
    return Finding(check_id, level, f"message of {check_id}")


class ImpactTableTests(SimpleTestCase):
    def test_every_id_in_the_code_has_its_row(self) -> None:
        ids = ids_in_code()
        self.assertGreater(len(ids), 100)
        self.assertEqual(sorted(ids - set(impact.IMPACTS)), [])

    def test_every_concerns_e000_has_its_row(self) -> None:
        for concern in all_concerns():
            with self.subTest(concern=concern.NAME):
                self.assertIn(f"{concern.LABEL}.E000", impact.IMPACTS)

    def test_no_row_for_an_id_the_code_no_longer_has(self) -> None:
        ours = {key for key in impact.IMPACTS if key.startswith("deploy_")}
        known = ids_in_code() | {f"{concern.LABEL}.E000" for concern in all_concerns()} | {"deploy_concepts.E000"}
        self.assertEqual(sorted(ours - known), [])

    def test_every_claim_of_django_ids_has_its_row(self) -> None:
        for concern in all_concerns():
            for pattern in concern.DJANGO_CHECKS:
                with self.subTest(concern=concern.NAME, pattern=pattern):
                    self.assertIn(pattern, impact.IMPACTS)

    def test_every_claimed_django_id_of_this_django_has_an_exact_row_or_a_prefix_row(self) -> None:
        patterns = tuple(pattern for concern in all_concerns() for pattern in concern.DJANGO_CHECKS)
        for check_id in sorted(djangos_ids()):
            if claimed(check_id, patterns):
                with self.subTest(id=check_id):
                    effect = impact.effect_of(check_id, "warning")
                    self.assertTrue(effect.shows)

    def test_every_row_says_what_is_seen(self) -> None:
        for check_id, effect in impact.IMPACTS.items():
            with self.subTest(id=check_id):
                self.assertTrue(effect.shows.strip())
                self.assertIn(effect.impact, impact.SCALE)

    def test_a_variant_follows_the_message(self) -> None:
        started = Finding("deploy_checklist.E023", "error", "requirements.txt does not list gunicorn, which the start command runs.")
        not_yet = Finding("deploy_checklist.E023", "error", "requirements.txt lists no WSGI server such as gunicorn.")
        self.assertEqual((started.impact, not_yet.impact), ("does_not_start", "advice"))

    def test_every_variant_is_of_an_id_with_its_row(self) -> None:
        self.assertLessEqual(set(impact.VARIANTS), set(impact.IMPACTS))

    def test_an_unknown_id_takes_its_impact_from_its_level(self) -> None:
        rows = [("error", "part_fails"), ("warning", "hardening"), ("info", "advice"), ("critical", "does_not_start")]
        for level, expected in rows:
            with self.subTest(level=level):
                self.assertEqual(Finding("other.X001", level, "m").impact, expected)


class ImpactScaleTests(SimpleTestCase):
    def test_the_scale_in_order(self) -> None:
        self.assertEqual(
            [item.key for item in impact.SCALE],
            [
                "does_not_start",
                "every_request_fails",
                "part_fails",
                "looks_broken",
                "data_lost",
                "errors_unheard",
                "hardening",
                "advice",
            ],
        )

    def test_findings_take_their_rows_impact(self) -> None:
        rows = [
            ("deploy_wsgi.E010", "does_not_start"),
            ("deploy_webserver.E002", "every_request_fails"),
            ("security.W020", "every_request_fails"),
            ("deploy_webserver.E004", "part_fails"),
            ("deploy_static.E003", "looks_broken"),
            ("deploy_database.E002", "data_lost"),
            ("deploy_checklist.W011", "errors_unheard"),
            ("security.W004", "hardening"),
            ("deploy_static.I010", "advice"),
            ("mail.E001", "errors_unheard"),
        ]
        for check_id, expected in rows:
            with self.subTest(id=check_id):
                self.assertEqual(finding(check_id).impact, expected)

    def test_ready_means_nothing_of_the_first_five_classes(self) -> None:
        rows = [
            ((), True),
            ((finding("security.W004"), finding("deploy_static.I010")), True),
            ((finding("deploy_checklist.W011"),), True),
            ((finding("deploy_database.E002", "error"),), False),
            ((finding("deploy_static.E003", "error"),), False),
            # Level does not decide: Django's W020 (every request 400) is only a warning.
            ((finding("security.W020"),), False),
        ]
        for findings, ready in rows:
            with self.subTest(ids=[item.id for item in findings]):
                self.assertIs(is_ready(findings), ready)

    def test_report_ranks_every_finding_worst_first_across_concerns(self) -> None:
        def concern(name: str, *ids: str) -> ConcernReport:
            return ConcernReport(name, name.title(), False, {}, tuple(finding(check_id) for check_id in ids), Explanation((), (), ()))

        report = Report(
            "5.2",
            {},
            (
                concern("static", "deploy_static.I010", "deploy_static.E003"),
                concern("checklist", "deploy_checklist.W011", "deploy_checklist.E023"),
                concern("webserver", "security.W004", "security.W020"),
            ),
        )
        self.assertEqual(
            [item.id for _, item in report.ranked()],
            [
                "deploy_checklist.E023",
                "security.W020",
                "deploy_static.E003",
                "deploy_checklist.W011",
                "security.W004",
                "deploy_static.I010",
            ],
        )
