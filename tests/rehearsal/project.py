"""A small shop project written into a temporary directory, with the variations each test needs.

``write_project(directory, settings=...)`` writes ``manage.py``, the ``shopsite`` package and the
``shop`` app: a home page with static files and links, a page whose template names a static file
that does not exist, a page that queries a column added by a migration, a view that writes, a view
that calls a service outside, a slow view and a view whose error message holds the SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.utils import REPO_ROOT, SUBPROCESS_TIMEOUT

SECRET_KEY = "rehearsal-5f0e9d8c7b6a-secret-value-never-printed-0123456789abcdef"
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100055a2c6e0000000049454e44ae426082"
)

MANAGE = """#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

WSGI = """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
application = get_wsgi_application()
"""

BASE_SETTINGS = """from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = {secret!r}
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_deploy_concepts",
    "shop",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "shopsite.urls"
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
            ]
        }},
    }}
]
WSGI_APPLICATION = "shopsite.wsgi.application"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {{
    "default": {{"BACKEND": "django.core.files.storage.FileSystemStorage"}},
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}},
}}
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
"""

URLS = """from django.contrib import admin
from django.urls import path

from shop import views

urlpatterns = [
    path("", views.home),
    path("about/", views.about),
    path("items/", views.items),
    path("hit/", views.hit),
    path("outside/", views.outside),
    path("slow/", views.slow),
    path("leak/", views.leak),
    path("item/<int:pk>/", views.items),
    path("admin/", admin.site.urls),
]
"""

# The pages of a project with nothing wrong: no missing static file, no outside call, no leak.
CLEAN_URLS = """from django.contrib import admin
from django.urls import path

from shop import views

urlpatterns = [
    path("", views.home),
    path("items/", views.items),
    path("hit/", views.hit),
    path("admin/", admin.site.urls),
]
"""

VIEWS = """import os
import time
import urllib.request

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from shop.models import Hit, Item


def home(request):
    return render(request, "shop/home.html")


def about(request):
    return render(request, "shop/about.html")


def items(request, pk=None):
    return HttpResponse(", ".join(item.name for item in Item.objects.all()) or "no items")


def hit(request):
    Hit.objects.create(path=request.path)
    return HttpResponse(f"{Hit.objects.count()} hits")


def outside(request):
    with urllib.request.urlopen("http://example.com/", timeout=5) as response:
        return HttpResponse(response.read()[:100])


def slow(request):
    time.sleep(float(os.environ.get("SHOP_SLOW_SECONDS", "0")))
    return HttpResponse("slow")


def leak(request):
    raise ValueError(f"the key is {settings.SECRET_KEY}")
"""

MODELS = """from django.db import models


class Hit(models.Model):
    path = models.CharField(max_length=200)


class Item(models.Model):
    name = models.CharField(max_length=200)
    price = models.IntegerField(default=0)
"""

MIGRATION_1 = """from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Hit",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)), ("path", models.CharField(max_length=200))],
        ),
        migrations.CreateModel(
            name="Item",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)), ("name", models.CharField(max_length=200))],
        ),
    ]
"""

MIGRATION_2 = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.AddField(model_name="item", name="price", field=models.IntegerField(default=0))]
"""

BASE_TEMPLATE = """{% load static %}<!doctype html>
<html><head><title>Shop</title><link rel="stylesheet" href="{% static 'shop/css/site.css' %}"></head>
<body><img src="{% static 'shop/img/logo.png' %}" alt=""><nav><a href="/">Home</a> <a href="/about/">About</a>
<a href="/items/">Items</a> <a href="/hit/">Hit</a> <a href="https://elsewhere.example.org/">Elsewhere</a></nav>
{% block content %}{% endblock %}<script src="{% static 'shop/js/app.js' %}"></script></body></html>
"""
HOME = """{% extends "base.html" %}{% block content %}<h1>Welcome</h1>{% endblock %}"""
ABOUT = """{% extends "base.html" %}{% load static %}{% block content %}<h1>About</h1>
<link rel="stylesheet" href="{% static 'shop/css/about-missing.css' %}">{% endblock %}"""
NOT_FOUND = """<!doctype html><title>Shop: not here</title><h1>This page is not in the shop</h1>"""
# The background is referenced by the stylesheet only, not by any page.
SITE_CSS = """body { background: url("../img/bg.png"); }\n"""


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def write_project(
    directory: Path,
    *,
    settings: str = "",
    procfile: str | None = "web: gunicorn shopsite.wsgi --bind 0.0.0.0:$PORT --workers 2\n",
    site_css: str = SITE_CSS,
    media_file: bool = True,
    urls: str = URLS,
    admin: bool = True,
) -> Path:
    """Write the shop project into ``directory``; ``settings`` is appended to its settings module.

    Without ``admin`` the project is smaller and quicker to rehearse: no admin pages to visit, no
    admin static files to collect.
    """
    if not admin:
        settings = 'INSTALLED_APPS.remove("django.contrib.admin")\n' + settings
        urls = urls.replace('    path("admin/", admin.site.urls),\n', "")
    write(directory / "manage.py", MANAGE)
    write(directory / "shopsite" / "__init__.py", "")
    write(directory / "shopsite" / "settings.py", BASE_SETTINGS.format(secret=SECRET_KEY) + settings)
    write(directory / "shopsite" / "urls.py", urls)
    write(directory / "shopsite" / "wsgi.py", WSGI)
    write(directory / "shop" / "__init__.py", "")
    write(directory / "shop" / "models.py", MODELS)
    write(directory / "shop" / "views.py", VIEWS)
    write(directory / "shop" / "migrations" / "__init__.py", "")
    write(directory / "shop" / "migrations" / "0001_initial.py", MIGRATION_1)
    write(directory / "shop" / "migrations" / "0002_item_price.py", MIGRATION_2)
    write(directory / "shop" / "static" / "shop" / "css" / "site.css", site_css)
    write(directory / "shop" / "static" / "shop" / "js" / "app.js", "console.log('shop');\n" * 50)
    write(directory / "shop" / "static" / "shop" / "img" / "logo.png", PNG)
    write(directory / "shop" / "static" / "shop" / "img" / "bg.png", PNG)
    write(directory / "templates" / "base.html", BASE_TEMPLATE)
    write(directory / "templates" / "shop" / "home.html", HOME)
    write(directory / "templates" / "shop" / "about.html", ABOUT)
    write(directory / "templates" / "404.html", NOT_FOUND)
    write(directory / "requirements.txt", "django\ngunicorn\nwhitenoise\n")
    if procfile is not None:
        write(directory / "Procfile", procfile)
    if media_file:
        write(directory / "media" / "covers" / "cover.png", PNG)
    return directory


def environment(**extra: str) -> dict[str, str]:
    """The environment of a manage.py process: this checkout importable, nothing from the tests' own."""
    environ = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE" and not key.startswith(("RENDER", "DYNO"))
    }
    environ["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    environ.update(extra)
    return environ


def manage(
    directory: Path, *args: str, env: dict[str, str] | None = None, timeout: float = SUBPROCESS_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(directory / "manage.py"), *args],
        cwd=directory,
        env=environment(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def rehearse(directory: Path, *args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """``manage.py rehearse_deploy --format json`` in a real process; its result and parsed output."""
    result = manage(directory, "rehearse_deploy", "--format", "json", *args, env=env)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        data = {}
    return result, data


def tree_digest(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` (and its mode), with the hash of its bytes."""
    digest = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            digest[str(path.relative_to(directory))] = f"{oct(path.stat().st_mode)}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    return digest


def rehearsal_processes(temporary: Path | None = None) -> list[int]:
    """Processes started by a rehearsal (they carry its settings module in their environment); with
    ``temporary``, only those of a rehearsal whose temporary directory is under it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if b"DJANGO_SETTINGS_MODULE=ddc_rehearsal_settings" not in environ or "State:\tZ" in status:
            continue
        if temporary is None or f"TMPDIR={temporary}{os.sep}".encode() in environ:
            found.append(int(entry.name))
    return found


def kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue


def living_in_group(group: int) -> list[int]:
    """The processes of a process group that still run (zombies, which only await reaping, do not)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command name: state, parent, process group.
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found
