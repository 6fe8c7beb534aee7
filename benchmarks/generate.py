"""Write a large, deterministic Django project for the benchmark: many apps, static files, templates.

Each app has models (with a matching initial migration and admin), views and URLs, stylesheets
whose ``url()`` references point at its images (a small share at files that do not exist),
scripts, tiny valid PNG images, and templates that ``{% extends %}``, ``{% include %}`` and use
``{% static %}`` (a small share with paths that do not exist). The same seed and size always
write the same bytes.

Run on its own: ``python benchmarks/generate.py DIRECTORY [--scale 0.1]``; see benchmarks/README.rst.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

DEFAULT_SEED = 8
PROJECT_PACKAGE = "benchproject"
SETTINGS_WITH_APP = f"{PROJECT_PACKAGE}.settings"
SETTINGS_WITHOUT_APP = f"{PROJECT_PACKAGE}.settings_without_app"
# Read by the generated settings so every run can point STATIC_ROOT at its own empty temporary folder.
STATIC_ROOT_VARIABLE = "BENCHMARK_STATIC_ROOT"
# Shares of each app's static files; images take the rest.
STYLESHEET_SHARE = 0.3
SCRIPT_SHARE = 0.3
# Share of each app's templates that are partials, included by the pages.
PARTIAL_SHARE = 0.1
GIT_TIMEOUT = 30


@dataclasses.dataclass(frozen=True)
class Size:
    """How big a generated project is; file counts are totals over all apps."""

    apps: int = 50
    static_files: int = 20_000
    templates: int = 5_000
    # Share of static references (in stylesheets and templates) that point at files that do not exist.
    broken_share: float = 0.02

    def scaled(self, factor: float) -> Size:
        return dataclasses.replace(
            self,
            apps=max(1, round(self.apps * factor)),
            static_files=max(0, round(self.static_files * factor)),
            templates=max(0, round(self.templates * factor)),
        )

    @property
    def label(self) -> str:
        return f"{self.apps} apps, {self.static_files:,} static files, {self.templates:,} templates"


@dataclasses.dataclass(frozen=True)
class GeneratedProject:
    root: Path
    size: Size
    app_labels: tuple[str, ...]
    static_files: int
    templates: int
    static_references: int
    broken_references: int
    settings_with_app: str = SETTINGS_WITH_APP
    settings_without_app: str = SETTINGS_WITHOUT_APP


def share_out(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts that differ by at most one, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def png_bytes(red: int, green: int, blue: int) -> bytes:
    """A valid 1x1 RGB PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes((0, red, green, blue)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def write(path: Path, content: str | bytes) -> None:
    if isinstance(content, str):
        content = content.encode()
    with open(path, "wb") as handle:
        handle.write(content)


class AppWriter:
    """Writes one app; every random choice comes from the app's own seeded generator."""

    def __init__(self, root: Path, label: str, static_files: int, templates: int, broken_share: float, seed: str) -> None:
        self.root = root
        self.label = label
        self.broken_share = broken_share
        self.random = random.Random(seed)
        self.stylesheets = [f"style_{index:04d}.css" for index in range(round(static_files * STYLESHEET_SHARE))]
        self.scripts = [f"module_{index:04d}.js" for index in range(round(static_files * SCRIPT_SHARE))]
        self.images = [f"icon_{index:04d}.png" for index in range(static_files - len(self.stylesheets) - len(self.scripts))]
        partials = round(templates * PARTIAL_SHARE) if templates > 2 else 0
        # One app base template, the partials, and pages for the rest.
        self.partials = [f"partial_{index:03d}.html" for index in range(partials)]
        self.pages = [f"page_{index:04d}.html" for index in range(max(0, templates - 1 - partials))]
        self.has_base_template = templates > 0
        self.static_references = 0
        self.broken_references = 0

    def broken(self) -> bool:
        self.static_references += 1
        if self.random.random() < self.broken_share:
            self.broken_references += 1
            return True
        return False

    def write_app(self) -> None:
        app = self.root / self.label
        for folder in ("migrations", f"static/{self.label}/css", f"static/{self.label}/js", f"static/{self.label}/img"):
            os.makedirs(app / folder, exist_ok=True)
        os.makedirs(app / "templates" / self.label / "partials", exist_ok=True)
        write(app / "__init__.py", "")
        write(app / "apps.py", APPS_PY.format(label=self.label, config=self.label.title().replace("_", "") + "Config"))
        write(app / "models.py", MODELS_PY)
        write(app / "admin.py", ADMIN_PY)
        write(app / "migrations" / "__init__.py", "")
        write(app / "migrations" / "0001_initial.py", MIGRATION_PY.replace("{app}", self.label))
        write(app / "views.py", VIEWS_PY.replace("{app}", self.label))
        write(app / "urls.py", self.urls_py())
        self.write_static(app / "static" / self.label)
        self.write_templates(app / "templates" / self.label)

    def urls_py(self) -> str:
        routes = "".join(
            f'    path("{page.removesuffix(".html")}/", TemplateView.as_view(template_name="{self.label}/{page}")),\n'
            for page in self.pages[:5]
        )
        return f'from django.urls import path\nfrom django.views.generic import TemplateView\n\napp_name = "{self.label}"\nurlpatterns = [\n{routes}]\n'

    def write_static(self, static: Path) -> None:
        for index, name in enumerate(self.images):
            write(static / "img" / name, png_bytes(index % 256, (index // 256) % 256, sum(self.label.encode()) % 256))
        for index, name in enumerate(self.scripts):
            write(static / "js" / name, self.script(index))
        for index, name in enumerate(self.stylesheets):
            write(static / "css" / name, self.stylesheet(index))

    def image_url(self) -> str:
        if not self.images:
            return "data:image/png;base64,iVBORw0KGgo="
        if self.broken():
            return f"../img/missing_{self.random.randrange(10_000):04d}.png"
        return f"../img/{self.random.choice(self.images)}"

    def stylesheet(self, index: int) -> str:
        rules = []
        if index > 0 and self.random.random() < 0.2:
            imported = "missing_base.css" if self.broken() else self.stylesheets[self.random.randrange(index)]
            rules.append(f'@import url("{imported}");\n')
        for rule in range(self.random.randint(6, 14)):
            selector = f".{self.label}-block-{index}-{rule}"
            lines = [f"  color: #{self.random.randrange(0x1000000):06x};", f"  margin: {rule}px {index % 7}px;"]
            kind = self.random.random()
            if kind < 0.45:
                lines.append(f'  background-image: url("{self.image_url()}");')
            elif kind < 0.55:
                lines.append(f"  background: url({self.image_url()}) no-repeat;")
            elif kind < 0.6:
                # Fragments and data: URIs are not files; manifest storage leaves them alone.
                lines.append('  filter: url("#shadow");')
            rules.append(f"{selector} {{\n" + "\n".join(lines) + "\n}\n")
        return f"/* {self.label} stylesheet {index} */\n" + "\n".join(rules)

    def script(self, index: int) -> str:
        body = "\n".join(f"  total += {self.random.randrange(1000)} * value;" for _ in range(self.random.randint(3, 12)))
        return (
            f"// {self.label} script {index}\n"
            f"export function compute{index}(value) {{\n  let total = 0;\n{body}\n  return total;\n}}\n"
            f'document.querySelectorAll(".{self.label}-block-{index}").forEach((node) => node.dataset.ready = "1");\n'
        )

    def static_path(self, folder: str, names: list[str]) -> str | None:
        if not names:
            return None
        if self.broken():
            extension = names[0].rsplit(".", 1)[1]
            return f"{self.label}/{folder}/missing_{self.random.randrange(10_000):04d}.{extension}"
        return f"{self.label}/{folder}/{self.random.choice(names)}"

    def static_tags(self) -> list[str]:
        tags = []
        for folder, names, html in (
            ("css", self.stylesheets, '<link rel="stylesheet" href="{% static \'{path}\' %}">'),
            ("js", self.scripts, '<script src="{% static "{path}" %}" defer></script>'),
            ("img", self.images, '<img src="{% static \'{path}\' %}" alt="">'),
        ):
            for _ in range(self.random.randint(0, 2)):
                path = self.static_path(folder, names)
                if path is not None:
                    tags.append(html.replace("{path}", path))
        return tags

    def write_templates(self, templates: Path) -> None:
        if not self.has_base_template:
            return
        write(templates / "base.html", APP_BASE_HTML.format(label=self.label))
        for index, name in enumerate(self.partials):
            tags = "\n".join(self.static_tags())
            write(templates / "partials" / name, f'{{% load static %}}\n<section class="partial-{index}">\n{tags}\n</section>\n')
        for index, name in enumerate(self.pages):
            includes = "".join(
                f'  {{% include "{self.label}/partials/{self.random.choice(self.partials)}" %}}\n'
                for _ in range(self.random.randint(1, 2) if self.partials else 0)
            )
            tags = "".join(f"  {tag}\n" for tag in self.static_tags())
            write(templates / name, PAGE_HTML.format(label=self.label, index=index, tags=tags, includes=includes))


def write_project_files(root: Path, labels: list[str]) -> None:
    package = root / PROJECT_PACKAGE
    os.makedirs(package, exist_ok=True)
    os.makedirs(root / "templates", exist_ok=True)
    write(root / "manage.py", MANAGE_PY)
    write(package / "__init__.py", "")
    apps = "".join(f'    "{label}",\n' for label in labels)
    write(package / "settings.py", SETTINGS_PY.replace("{apps}", apps))
    write(package / "settings_without_app.py", SETTINGS_WITHOUT_APP_PY)
    includes = "".join(f'    path("{label}/", include("{label}.urls")),\n' for label in labels)
    write(package / "urls.py", URLS_PY.replace("{includes}", includes))
    write(package / "wsgi.py", WSGI_PY)
    first = labels[0] if labels else "app"
    write(root / "templates" / "base.html", BASE_HTML.replace("{first}", first))
    write(root / "Procfile", f"release: python manage.py migrate --noinput\nweb: gunicorn {PROJECT_PACKAGE}.wsgi --log-file -\n")
    write(root / "requirements.txt", "Django>=5.2\nwhitenoise>=6.6\ngunicorn>=22\n")
    write(root / ".gitignore", "__pycache__/\n*.sqlite3\nstaticfiles/\n")


def init_repository(root: Path) -> None:
    """Make the project its own repository, as real projects are, so nothing above it is inspected."""
    git = shutil.which("git")
    if git is None:
        return
    subprocess.run([git, "init", "--quiet", str(root)], check=False, timeout=GIT_TIMEOUT, capture_output=True)


def generate(root: Path, size: Size = Size(), seed: int = DEFAULT_SEED) -> GeneratedProject:
    """Write the project into ``root``, which must not exist yet or be empty."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    os.makedirs(root, exist_ok=True)
    labels = [f"app_{index:03d}" for index in range(size.apps)]
    static_counts = share_out(size.static_files, size.apps)
    template_counts = share_out(size.templates, size.apps)
    write_project_files(root, labels)
    static_references = broken_references = 0
    for index, label in enumerate(labels):
        writer = AppWriter(root, label, static_counts[index], template_counts[index], size.broken_share, f"{seed}:{label}")
        writer.write_app()
        static_references += writer.static_references
        broken_references += writer.broken_references
    init_repository(root)
    return GeneratedProject(
        root=root,
        size=size,
        app_labels=tuple(labels),
        static_files=sum(static_counts),
        templates=sum(template_counts),
        static_references=static_references,
        broken_references=broken_references,
    )


MANAGE_PY = f'''\
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{SETTINGS_WITH_APP}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''

SETTINGS_PY = f'''\
"""Settings of a large generated project, close to what `startproject` and a tutorial give."""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "q8v#n2l!w0r7k5p@s3c4e6t9y1u-z0x7m2b5h8j3g6f1d4a9e7c2r5t8y1u4i7o0p3")
DEBUG = False
ALLOWED_HOSTS = ["bench.example.com"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_deploy_concepts",
{{apps}}]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "{PROJECT_PACKAGE}.urls"
WSGI_APPLICATION = "{PROJECT_PACKAGE}.wsgi.application"

TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        }},
    }},
]

# The file need not exist: nothing in the benchmark connects to the database.
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "var" / "db.sqlite3"}}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("{STATIC_ROOT_VARIABLE}") or os.path.join(tempfile.gettempdir(), "benchproject-staticfiles")
STORAGES = {{
    "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    "staticfiles": {{"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},
}}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
'''

SETTINGS_WITHOUT_APP_PY = f'''\
"""The same project without django_deploy_concepts: what Django alone costs."""

from {SETTINGS_WITH_APP} import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "django_deploy_concepts"]  # noqa: F405
'''

URLS_PY = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
{includes}]
"""

WSGI_PY = f"""\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{SETTINGS_WITH_APP}")
application = get_wsgi_application()
"""

APPS_PY = """\
from django.apps import AppConfig


class {config}(AppConfig):
    name = "{label}"
"""

MODELS_PY = """\
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)

    def __str__(self):
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="articles")

    def __str__(self):
        return self.title


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField()
    approved = models.BooleanField(default=False)
"""

MIGRATION_PY = """\
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Category",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                ("slug", models.SlugField(unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("body", models.TextField(blank=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                (
                    "category",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="articles", to="{app}.category"),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Comment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
                ("approved", models.BooleanField(default=False)),
                (
                    "article",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="comments", to="{app}.article"),
                ),
            ],
        ),
    ]
"""

ADMIN_PY = """\
from django.contrib import admin

from .models import Article, Category, Comment


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "created"]
    list_filter = ["category"]
    search_fields = ["title", "body"]


admin.site.register(Comment)
"""

VIEWS_PY = """\
from django.shortcuts import get_object_or_404, render

from .models import Article


def article_detail(request, pk):
    return render(request, "{app}/base.html", {"article": get_object_or_404(Article, pk=pk)})
"""

BASE_HTML = """\
{% load static %}<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{% block title %}Benchmark project{% endblock %}</title>
  <link rel="stylesheet" href="{% static '{first}/css/style_0000.css' %}">
</head>
<body>
  {% block content %}{% endblock %}
</body>
</html>
"""

APP_BASE_HTML = """\
{{% extends "base.html" %}}
{{% load static %}}
{{% block title %}}{label}{{% endblock %}}
{{% block content %}}
<main class="{label}">
  {{% block main %}}{{% endblock %}}
</main>
{{% endblock %}}
"""

PAGE_HTML = """\
{{% extends "{label}/base.html" %}}
{{% load static %}}
{{% block main %}}
  <h1>{label} page {index}</h1>
{tags}{includes}  {{% for item in items %}}<p>{{{{ item }}}}</p>{{% endfor %}}
{{% endblock %}}
"""


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write a large deterministic Django project for the benchmark.")
    parser.add_argument("directory", type=Path, help="Where to write the project (must not exist or be empty).")
    add_size_arguments(parser)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Seed of every random choice (default: {DEFAULT_SEED}).")
    return parser.parse_args(argv)


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    default = Size()
    parser.add_argument("--apps", type=int, default=default.apps, help=f"Number of apps (default: {default.apps}).")
    parser.add_argument(
        "--static-files", type=int, default=default.static_files, help=f"Static files in all apps (default: {default.static_files})."
    )
    parser.add_argument("--templates", type=int, default=default.templates, help=f"Templates in all apps (default: {default.templates}).")
    parser.add_argument(
        "--broken-share",
        type=float,
        default=default.broken_share,
        help=f"Share of static references to files that do not exist (default: {default.broken_share}).",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="Multiply apps, static files and templates by this (default: 1).")


def size_from_arguments(arguments: argparse.Namespace) -> Size:
    if arguments.apps < 1:
        raise SystemExit("--apps must be at least 1")
    if not 0 <= arguments.broken_share <= 1:
        raise SystemExit("--broken-share must be between 0 and 1")
    size = Size(arguments.apps, arguments.static_files, arguments.templates, arguments.broken_share)
    return size.scaled(arguments.scale)


def main(argv: list[str]) -> None:
    arguments = parse_arguments(argv)
    project = generate(arguments.directory, size_from_arguments(arguments), seed=arguments.seed)
    print(
        textwrap.dedent(f"""\
            Wrote {project.root}: {len(project.app_labels)} apps, {project.static_files:,} static files, {project.templates:,} templates,
            {project.static_references:,} static references of which {project.broken_references:,} point at missing files.
            Try: cd {project.root} && PYTHONPATH=<checkout> python manage.py explain_static --offline""")
    )


if __name__ == "__main__":
    main(sys.argv[1:])
