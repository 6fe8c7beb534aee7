"""A Fix is built when one of its ids was found, or when the facts show the problem by themselves."""

from __future__ import annotations

from collections.abc import Iterator

from django.test import SimpleTestCase

from django_deploy_concepts import plan
from django_deploy_concepts.concerns import all_concerns
from django_deploy_concepts.concerns.base import Fix, fix_steps
from django_deploy_concepts.report import Step

STEP = Step("Fix it.", "")


def build(facts: bool, deployment: plan.Plan) -> Iterator[Step]:
    yield STEP


class FixTests(SimpleTestCase):
    def test_steps_follow_the_ids_found_and_the_facts(self) -> None:
        deployment = plan.for_platform("heroku")
        rows = [
            # ids, also, facts, found, built
            (frozenset({"x.W001", "x.E002"}), None, False, {"x.E002"}, True),
            (frozenset({"x.W001", "x.E002"}), None, False, {"x.W003"}, False),
            (frozenset({"x.W001"}), bool, True, set(), True),
            (frozenset({"x.W001"}), bool, False, set(), False),
            (frozenset(), None, False, set(), True),
        ]
        for ids, also, facts, found, built in rows:
            with self.subTest(ids=sorted(ids), facts=facts, found=sorted(found)):
                fix = Fix(ids, build, also=also)
                self.assertEqual(fix_steps((fix, fix), facts, found, deployment), [STEP, STEP] if built else [])


class ConcernTests(SimpleTestCase):
    def test_each_concern_reads_its_package(self) -> None:
        for concern in all_concerns():
            with self.subTest(concern=concern.NAME):
                self.assertEqual(concern.module.__name__, f"django_deploy_concepts.concerns.{concern.NAME}")
                self.assertEqual((concern.LABEL, concern.CHECKS), (f"deploy_{concern.NAME}", concern.module.CHECKS))
