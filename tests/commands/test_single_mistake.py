"""On a project with one deployment mistake, explain_deploy shows it within the first 40 lines.

The example project with every fix the plan gives applied (settings block, requirements,
Procfile, the planted template and URL mistakes corrected) is the correct project; each row
then puts one mistake back.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.test import SimpleTestCase

from django_deploy_concepts.impact import VISIBLE
from tests.utils import EXAMPLE_DIR, run_manage

# Where the site runs: the plan's variables are set (a database server stands behind DATABASE_URL).
PRODUCTION = {
    "DJANGO_SECRET_KEY": "s3cret-" * 8,
    "DJANGO_ALLOWED_HOSTS": "blog.example.org",
    "DATABASE_URL": "postgres://blog:pw@127.0.0.1:9/blog",
    "AWS_STORAGE_BUCKET_NAME": "blog-uploads",
    "COLUMNS": "80",
}


def emitted(piece: str) -> str:
    result = run_manage(EXAMPLE_DIR, "explain_deploy", "--emit", piece)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fixed_example(root: Path) -> Path:
    project = root / "example"
    shutil.copytree(EXAMPLE_DIR, project, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    settings = project / "mysite" / "settings.py"
    text = settings.read_text(encoding="utf-8").replace(
        'STATICFILES_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"\n', ""
    )
    settings.write_text(text + "\n" + emitted("settings"), encoding="utf-8")
    (project / "requirements.txt").write_text(emitted("requirements"), encoding="utf-8")
    (project / "Procfile").write_text(emitted("platform"), encoding="utf-8")
    urls = project / "mysite" / "urls.py"
    urls.write_text(
        urls.read_text(encoding="utf-8").replace(
            "] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)",
            "]\nif settings.DEBUG:\n    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)",
        ),
        encoding="utf-8",
    )
    template = project / "blog" / "templates" / "blog" / "post_list.html"
    template.write_text(template.read_text(encoding="utf-8").replace("blog/img/empty.png", "blog/img/logo.png"), encoding="utf-8")
    return project


def append(relative: str, text: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        path = project / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return change


def write(relative: str, text: str) -> Callable[[Path], None]:
    return lambda project: (project / relative).write_text(text, encoding="utf-8") and None


MISTAKES: list[tuple[str, Callable[[Path], None]]] = [
    ("runserver in the Procfile", write("Procfile", "web: python manage.py runserver 0.0.0.0:$PORT\n")),
    ("no STATIC_ROOT", append("mysite/settings.py", "\ndel STATIC_ROOT\n")),
    (
        "WhiteNoise not listed",
        lambda project: (project / "requirements.txt").write_text("Django>=5.2\ngunicorn\ndj-database-url\npsycopg[binary]\n"),
    ),
    ("the redirect loop", append("mysite/settings.py", "\ndel SECURE_PROXY_SSL_HEADER\n")),
]


class SingleMistakeTests(SimpleTestCase):
    def test_the_fixed_example_has_nothing_of_the_first_five_classes(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="lead-fixed-"))
        self.addCleanup(shutil.rmtree, root, True)
        result = run_manage(fixed_example(root), "explain_deploy", "--format", "json", "--offline", env=PRODUCTION)
        self.assertEqual(result.returncode, 0, result.stderr)
        blocking = [
            finding["id"]
            for concern in json.loads(result.stdout)["concerns"]
            for finding in concern["findings"]
            if finding["impact"] in ("does_not_start", "every_request_fails", "part_fails", "looks_broken", "data_lost")
        ]
        self.assertEqual(blocking, [])

    def test_each_problem_of_the_first_four_classes_is_in_the_first_40_lines(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="lead-mistake-"))
        self.addCleanup(shutil.rmtree, root, True)
        for name, mistake in MISTAKES:
            with self.subTest(mistake=name):
                project = fixed_example(root / name.replace(" ", "-"))
                mistake(project)
                data = run_manage(project, "explain_deploy", "--format", "json", "--offline", env=PRODUCTION)
                self.assertEqual(data.returncode, 0, data.stderr)
                visible = {
                    finding["id"]
                    for concern in json.loads(data.stdout)["concerns"]
                    for finding in concern["findings"]
                    if finding["impact"] in VISIBLE
                }
                self.assertTrue(visible, "the mistake must show")
                text = run_manage(project, "explain_deploy", "--offline", env=PRODUCTION)
                first = "\n".join(text.stdout.splitlines()[:40])
                for check_id in sorted(visible):
                    self.assertIn(check_id, first)
