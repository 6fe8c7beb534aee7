"""The quick paths of the scanning module agree with Django's own code they stand in for."""

from __future__ import annotations

import random
import re
import unittest

from django.template import engines
from django.template.base import tag_re
from django.test import SimpleTestCase

from django_deploy_concepts.concerns.static import scanning, templates
from django_deploy_concepts.concerns.static.facts import SourceFacts
from django_deploy_concepts.concerns.static.finders import Listing

try:
    from django.contrib.staticfiles.storage import _css_ignored_re, _js_ignored_re  # type: ignore[attr-defined]
except ImportError:  # Django before 6.1 skips no comments or strings
    _css_ignored_re = _js_ignored_re = None

TRICKY_TEXTS = (
    "",
    'a { background: url("a.png") } /* url(b.png) */ c { content: "url(c.png)" }',
    "/* one\nline */ url('x.png') 'unclosed\n url(y.png) \"esc\\\"aped\" \\' url(z.png)",
    "/* never closed url(a.png)\n\n url(b.png)",
    "// url(a.png)\n`template ${url(b.png)}\n` 'it\\'s' url(c.png)",
    "\\\nurl(a.png) '\\\n' \"a\\\\\" url(b.png) /*/ url(c.png) */ url(d.png)",
)


def random_texts(count: int) -> list[str]:
    pieces = ["/*", "*/", "//", "'", '"', "`", "\\", "\n", "url(", "a.png)", " ", "x", "{%", "%}", "{{", "}}", "{#", "#}"]
    chooser = random.Random(8)
    return ["".join(chooser.choice(pieces) for _ in range(chooser.randrange(40))) for _ in range(count)]


@unittest.skipIf(_css_ignored_re is None, "Django 6.1 skips references in comments and strings")
class IgnoredBlocksTests(SimpleTestCase):
    def test_inside_blocks_as_django_decides(self) -> None:
        for text in (*TRICKY_TEXTS, *random_texts(1000)):
            spans = [match.span() for match in re.finditer(_js_ignored_re, text)]
            positions = list(range(len(text) + 1))
            expected = [any(start < position < end for start, end in spans) for position in positions]
            found = scanning.inside_blocks(positions, scanning.block_boundaries(re.compile(_js_ignored_re.pattern, re.DOTALL), text))
            self.assertEqual(found if found is not None else [False] * len(positions), expected, text)


class QuickTemplateScanTests(SimpleTestCase):
    """A template the quick pass counts gives what the full scan gives; any other goes to the full scan."""

    def test_the_tags_are_django_tags(self) -> None:
        self.assertEqual(tag_re.pattern, scanning.DJANGO_TAG_PATTERN)

    def test_the_quick_pass_agrees_with_the_full_scan(self) -> None:
        known = {"a.css": None, "img/b.png": None}
        listing = Listing(dict.fromkeys(known), SourceFacts())  # type: ignore[arg-type]
        libraries = templates.static_libraries(engines["django"].engine)  # type: ignore[attr-defined]
        rows = [
            "{% load static %}<link href=\"{% static 'a.css' %}\">{% static \"img/b.png\" as logo %}{% static 'img/' %}",
            "{% load static %}{# {% static 'gone.css' %} #}{{ '{% static \"gone.css\" %}' }}",
            "{% load static %}{% comment %}{% static 'gone.css' %}{% endcomment %}{% static 'a.css' %}",
            "{% load static %}{% verbatim %}{% static 'gone.css' %}{% endverbatim %}{%static 'a.css'%}",
            "{% load static %}{% verbatim x %}{% endverbatim %}{% static 'gone.css' %}{% endverbatim x %}",
            "{% load static %}{% comment %}{% verbatim %}{% endcomment %}{% endverbatim %}{% endcomment %}",
            "{% static 'a.css' %}{% load static %}",
            "{% load static %}{% static 'gone.css' %}",
            "{% load static %}{% static 'a.css?v=1' %}{% static path %}{% static 'a.css'|upper %}",
            "{% load staticfiles %}{% static 'a.css' %}",
            "{% load static %}{% %}{%\n static 'gone.css' %}{% comment %}",
            "{% load static from static %}{% load i18n %}{% static 'a.css' %}",
        ]
        for text in (*rows, *random_texts(2000)):
            with self.subTest(text):
                quick = scanning.verified_static_tags(text, *libraries, known)
                full = templates.Scan(listing, None)
                templates.scan_django(full, text, libraries)
                if quick is not None:
                    verified, folders = quick
                    self.assertEqual((full.problems, full.missing_count), ([], 0))
                    self.assertEqual((full.references, full.verified, full.unverifiable), (verified + folders, verified, folders))
                quicker = templates.Scan(listing, None)
                templates.scan_django_template(quicker, text, libraries)
                counts = ("references", "verified", "unverifiable", "missing", "missing_count", "problems", "problems_count")
                self.assertEqual([getattr(quicker, name) for name in counts], [getattr(full, name) for name in counts])
