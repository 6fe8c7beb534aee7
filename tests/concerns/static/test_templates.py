"""{% static %} references in every template the engines reach, read with the engines' own lexers."""

from __future__ import annotations

import os
from typing import Any

from django_deploy_concepts.concerns.static import templates
from django_deploy_concepts.report import Fact
from tests.concerns.static.helpers import BASE_APPS, BROKEN_APP, CLEAN_APP, StaticTestCase, django_templates, ids, make_fifo, write_tree

JINJA2 = "django.template.backends.jinja2.Jinja2"
LOADED = "{% load static %}"


class TemplateReferencesTests(StaticTestCase):
    def facts_for(self, files: dict[str, str | bytes], **settings: Any) -> templates.TemplateFacts:
        folder = write_tree(self.tmp / "templates", files)
        return self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], TEMPLATES=django_templates(folder, app_dirs=False), **settings).templates

    def test_a_path_no_finder_provides_is_s020_with_the_closest_path(self) -> None:
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP, BROKEN_APP])
        reference = templates.TemplateReference("broken/page.html", 2, "broken/css/brokn.css", "broken/css/broken.css")
        self.assertEqual(facts.templates.missing, (reference,))
        messages = templates.check_template_references(facts)
        self.assertEqual(ids(messages), ["deploy_static.E020"])
        self.assertIn("'broken/css/broken.css'", messages[0].hint or "")
        self.assertIn("Missing staticfiles manifest entry", messages[0].hint or "")

    def test_the_missing_path_from_each_kind_of_reference(self) -> None:
        rows = {
            "double quotes": ('{% static "clean/css/gone.css" %}', "clean/css/gone.css"),
            "as a variable": ("{% static 'clean/css/gone.css' as sheet %}", "clean/css/gone.css"),
            "after a fragment": ("{% static 'clean/css/gone.css#top' %}", "clean/css/gone.css#top"),
            "a folder without its slash": ("{% static 'clean/css' %}", "clean/css"),
            "loaded from the library": ("{% load static from static %}{% static 'clean/gone.js' %}", "clean/gone.js"),
        }
        for label, (tag, path) in rows.items():
            with self.subTest(label):
                facts = self.facts_for({"page.html": f"{LOADED}\n{tag}\n"})
                self.assertEqual([(reference.line, reference.path) for reference in facts.missing], [(2, path)])

    def test_tags_are_read_where_the_lexer_reads_them(self) -> None:
        rows = {
            "after a tag over two lines, which is text": ("{% static 'x.css'\n %}\n{% static 'gone.css' %}", [(3, "gone.css")]),
            "after a comment over two lines, which is text": ("{# a\nb #}\n\n{% static 'gone.css' %}", [(4, "gone.css")]),
            "after comments and variables": ("{# a #}{{ b }}\n{% static 'gone.css' %}", [(2, "gone.css")]),
            "inside a comment": ("{# {% static 'gone.css' %} #}", []),
            "inside a variable": ("{{ '{% static \\'gone.css\\' %}' }}\n{% static 'gone2.css' %}", [(2, "gone2.css")]),
            "inside a named verbatim": ("{% verbatim a %}{% static 'x.css' %}{% endverbatim %}{% endverbatim a %}", []),
            "after a named verbatim": ("{% verbatim a %}{% endverbatim a %}{% static 'gone.css' %}", [(1, "gone.css")]),
            "an end tag inside a comment block": ("{% comment %}{% endcomment x %}{% static 'x.css' %}{% endcomment %}", []),
            "a verbatim tag inside a comment block": (
                "{% comment %}{% verbatim %}{% endcomment %}{% static 'x.css' %}{% endverbatim %}{% endcomment %}",
                [],
            ),
            "block tags between the references": (
                "{% for a in b %}\n{% static 'gone.css' %}{% endfor %}\n{% block x %}{% static 'gone2.css' %}{% endblock %}",
                [(2, "gone.css"), (3, "gone2.css")],
            ),
        }
        for label, (text, missing) in rows.items():
            with self.subTest(label):
                facts = self.facts_for({"page.html": f"{LOADED}{text}"})
                self.assertEqual([(reference.line, reference.path) for reference in facts.missing], missing)
                self.assertEqual(facts.problems, ())

    def test_existing_unverifiable_and_unrendered_references_are_quiet(self) -> None:
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP])
        self.assertEqual(templates.check_template_references(facts), [])
        # page.html: three literal paths found, one built from a variable; the comment and verbatim ones are not rendered.
        self.assertEqual((facts.templates.references, facts.templates.verified, facts.templates.unverifiable), (4, 3, 1))

    def test_references_built_from_variables_are_counted_not_verified(self) -> None:
        facts = self.facts_for(
            {"page.html": f"{LOADED}{{% static sheet %}}{{% static 'clean/'|add:name %}}{{% static _('clean/css/site.css') %}}"}
        )
        self.assertEqual((facts.references, facts.unverifiable, facts.missing_count), (3, 3, 0))

    def test_jinja2_templates_are_read_with_jinja2(self) -> None:
        folder = write_tree(
            self.tmp / "jinja2",
            {"page.jinja": "{{ static('clean/css/site.css') }}\n{{ static('clean/css/gone.css') }}\n{{ static(name) }}"},
        )
        engines = [{"BACKEND": JINJA2, "DIRS": [str(folder)], "APP_DIRS": False, "OPTIONS": {}}]
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], TEMPLATES=engines).templates
        self.assertEqual(facts.missing, (templates.TemplateReference("page.jinja", 2, "clean/css/gone.css", "clean/css/site.css"),))
        self.assertEqual((facts.engines, facts.verified, facts.unverifiable), (("jinja2 (Jinja2)",), 1, 1))

    def test_in_memory_templates_are_read(self) -> None:
        engine = {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [("django.template.loaders.locmem.Loader", {"inline.html": f"{LOADED}{{% static 'clean/gone.css' %}}"})]
            },
        }
        facts = self.facts(INSTALLED_APPS=[*BASE_APPS, CLEAN_APP], TEMPLATES=[engine]).templates
        self.assertEqual(facts.missing, (templates.TemplateReference("inline.html", 1, "clean/gone.css", None),))

    def test_every_missing_reference_is_listed_and_reported(self) -> None:
        facts = self.facts(
            INSTALLED_APPS=[*BASE_APPS, CLEAN_APP],
            TEMPLATES=django_templates(
                write_tree(self.tmp / "t", {"page.html": LOADED + "".join(f"{{% static 'gone/{index}.css' %}}" for index in range(60))})
            ),
        )
        messages = templates.check_template_references(facts)
        self.assertEqual((facts.templates.missing_count, len(facts.templates.missing), len(messages)), (60, 60, 60))
        self.assertEqual([reference.path for reference in facts.templates.missing][-1], "gone/59.css")


class TemplateProblemsTests(StaticTestCase):
    def problems(self, files: dict[str, str | bytes], **settings: Any) -> list[tuple[str, int | None, str]]:
        folder = write_tree(self.tmp / "templates", files)
        facts = self.facts(TEMPLATES=django_templates(folder, app_dirs=False), **settings)
        self.assertEqual(templates.check_template_problems(facts), [templates.w021(problem) for problem in facts.templates.problems])
        return [(problem.template, problem.line, problem.kind) for problem in facts.templates.problems]

    def test_broken_static_tags_are_s021(self) -> None:
        rows = {
            "no argument": f"{LOADED}\n{{% static %}}",
            "not loaded": "<p>\n{% static 'clean/css/site.css' %}",
            "removed library": "<p>\n{% load staticfiles %}{% static 'clean/css/site.css' %}",
            "unparsable path": f"{LOADED}\n{{% static 'a.css'|| %}}",
            "empty tag": f"{LOADED}\n{{% %}}",
        }
        for label, text in rows.items():
            with self.subTest(label):
                self.assertEqual(self.problems({"page.html": text}), [("page.html", 2, "syntax")])

    def test_unclosed_comment_is_s021(self) -> None:
        self.assertEqual(self.problems({"page.html": f"{LOADED}{{% comment %}}{{% static 'a.css' %}}"}), [("page.html", None, "syntax")])

    def test_files_the_loaders_cannot_read_are_s021(self) -> None:
        folder = write_tree(self.tmp / "templates", {"latin1.html": "{% load static %}caf\xe9".encode("latin-1"), "ok.html": "ok"})
        os.symlink(folder / "gone.html", folder / "dangling.html")
        make_fifo(folder / "pipe.html")
        facts = self.facts(TEMPLATES=django_templates(folder, app_dirs=False)).templates
        self.assertEqual(
            sorted((problem.template.rsplit("/", 1)[-1], problem.kind) for problem in facts.problems),
            [("dangling.html", "unreadable"), ("latin1.html", "encoding"), ("pipe.html", "unreadable")],
        )

    def test_a_template_over_the_size_cap_is_not_scanned_not_unreadable(self) -> None:
        large = LOADED + "{% static 'gone.css' %}" + " " * templates.MAX_TEMPLATE_BYTES
        folder = write_tree(self.tmp / "templates", {"large.html": large, "ok.html": "ok"})
        facts = self.facts(TEMPLATES=django_templates(folder, app_dirs=False))
        self.assertEqual((facts.templates.problems, facts.templates.missing_count), ((), 0))
        self.assertEqual(facts.templates.not_scanned, ("large.html",))
        self.assertEqual(templates.check_template_problems(facts), [])
        self.assertIn(Fact("Templates not scanned (over 2 MB)", "large.html", None), templates.found(facts))

    def test_jinja2_syntax_errors_are_s021(self) -> None:
        folder = write_tree(self.tmp / "jinja2", {"page.jinja": "{{ static('a.css') }}\n{% if %}"})
        facts = self.facts(TEMPLATES=[{"BACKEND": JINJA2, "DIRS": [str(folder)], "APP_DIRS": False, "OPTIONS": {}}]).templates
        self.assertEqual([(problem.template, problem.line, problem.kind) for problem in facts.problems], [("page.jinja", 2, "syntax")])

    def test_a_folder_reached_twice_is_read_once(self) -> None:
        folder = write_tree(self.tmp / "templates", {"shared/page.html": f"{LOADED}\n{{% static 'gone.css' %}}"})
        os.symlink(folder / "shared", folder / "alias")
        facts = self.facts(TEMPLATES=django_templates(folder, folder / "shared", app_dirs=False)).templates
        self.assertEqual((facts.templates, facts.missing_count, facts.problems), (1, 1, ()))

    def test_a_looping_link_among_templates_is_s021(self) -> None:
        folder = write_tree(self.tmp / "templates", {"ok.html": "ok"})
        os.symlink(folder / "b.html", folder / "a.html")
        os.symlink(folder / "a.html", folder / "b.html")
        self.assertEqual(
            sorted(self.problems({})), [(str(folder / "a.html"), None, "unreadable"), (str(folder / "b.html"), None, "unreadable")]
        )

    def test_a_template_folder_link_loop_is_reported_once(self) -> None:
        folder = write_tree(self.tmp / "templates", {"a/page.html": "ok"})
        os.symlink(folder, folder / "a" / "again")
        self.assertEqual(self.problems({}), [(os.path.join(str(folder), "a", "again"), None, "unreadable")])

    def test_an_engine_that_cannot_be_built_is_s021(self) -> None:
        engines = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {"loaders": ["no.such.Loader"]}}]
        facts = self.facts(TEMPLATES=engines).templates
        self.assertEqual([(problem.template, problem.kind) for problem in facts.problems], [("TEMPLATES engine 'django'", "engine")])

    def test_binary_files_and_clean_templates_are_quiet(self) -> None:
        self.assertEqual(self.problems({"logo.png": b"\x89PNG\r\n\x1a\n\x00\x00", "page.html": f"{LOADED}{{% static 'a.css' %}}"}), [])
