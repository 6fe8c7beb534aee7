"""`manage.py check --deploy` with this app exits 0 on correctly deployed projects (real processes).

Three projects, each a copy of example/ with the fixes the reports document applied: on Heroku
with WhiteNoise, on Render with WhiteNoise, and on a server of its own behind nginx and gunicorn.
An error means "this will fail in production"; none of these will.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from tests.utils import EXAMPLE_DIR, run_manage

HOST = "myblog.example.org"
# The documented fixes of the example project, as explain_deploy gives them.
FIXES = {
    'SECRET_KEY = "django-insecure-3x@mple-k3y-f0r-th3-bl0g-d0-n0t-us3-1n-pr0duct10n"': 'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
    'DEBUG = os.environ.get("DJANGO_DEBUG", "False")': 'DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"',
    'ALLOWED_HOSTS = ["*"]': 'ALLOWED_HOSTS = [os.environ["DJANGO_ALLOWED_HOST"]]\n'
    'CSRF_TRUSTED_ORIGINS = ["https://" + os.environ["DJANGO_ALLOWED_HOST"]]',
    '        "ENGINE": "django.db.backends.sqlite3",\n        "NAME": BASE_DIR / "db.sqlite3",\n    }': "        **dj_database_url.config(conn_max_age=600, conn_health_checks=True),\n    }",
    "import os\n": "import os\n\nimport dj_database_url\n",
    "# From an older tutorial: Django 5.1 removed this setting and now ignores it.\n"
    'STATICFILES_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"': 'STATIC_ROOT = BASE_DIR / "staticfiles"\n'
    "STORAGES = {\n"
    '    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},\n'
    '    "staticfiles": {"BACKEND": "STATIC_STORAGE"},\n'
    "}",
}
HARDENING = """
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
ADMINS = [("Ops", "ops@example.org")]
SERVER_EMAIL = DEFAULT_FROM_EMAIL = "blog@example.org"
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "smtp.example.org")
"""
REQUIREMENTS = "Django>=5.2\ngunicorn>=22\ndj-database-url>=2.1\npsycopg[binary]>=3.1\ndjango-deploy-concepts\n"
WHITENOISE_MIDDLEWARE = '    "django.middleware.security.SecurityMiddleware",\n    "whitenoise.middleware.WhiteNoiseMiddleware",\n'
NGINX = """server {
    listen 443 ssl;
    server_name myblog.example.org;
    ssl_certificate /etc/letsencrypt/live/myblog.example.org/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/myblog.example.org/privkey.pem;
    client_max_body_size 10m;
    location /static/ { alias /srv/blog/staticfiles/; }
    location /media/ { alias /srv/blog/media/; }
    location / {
        proxy_pass http://unix:/run/gunicorn.sock;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
}
"""
GUNICORN_SERVICE = """[Unit]
Description=gunicorn for the blog
Requires=gunicorn.socket

[Service]
WorkingDirectory=/srv/blog
ExecStart=/srv/blog/.venv/bin/gunicorn mysite.wsgi --workers 3 --bind unix:/run/gunicorn.sock

[Install]
WantedBy=multi-user.target
"""


class CorrectProjectTests(SimpleTestCase):
    def project(self, *, whitenoise: bool, files: dict[str, str], settings_tail: str = "") -> Path:
        directory = Path(tempfile.mkdtemp(prefix="deploy-concepts-correct-"))
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        project = directory / "blog"
        shutil.copytree(EXAMPLE_DIR, project, ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3"))
        settings_path = project / "mysite" / "settings.py"
        text = settings_path.read_text(encoding="utf-8")
        for old, new in FIXES.items():
            self.assertIn(old, text)
            text = text.replace(old, new)
        storage = (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if whitenoise
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
        text = text.replace("STATIC_STORAGE", storage)
        if whitenoise:
            text = text.replace('    "django.middleware.security.SecurityMiddleware",\n', WHITENOISE_MIDDLEWARE)
        settings_path.write_text(text + HARDENING + settings_tail, encoding="utf-8")
        # The template's missing image (deploy_static.E020), added as the report says.
        shutil.copy(project / "blog/static/blog/img/logo.png", project / "blog/static/blog/img/empty.png")
        (project / "Procfile").unlink()
        (project / "requirements.txt").write_text(REQUIREMENTS + ("whitenoise>=6.6\n" if whitenoise else ""), encoding="utf-8")
        for name, content in files.items():
            path = project / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        return project

    def assert_check_deploy_passes(self, project: Path, env: dict[str, str]) -> None:
        environ = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOST": HOST,
            "DATABASE_URL": "postgres://blog:blog@db.example.org:5432/blog",
            **env,
        }
        result = run_manage(project, "check", "--deploy", env=environ)
        self.assertNotIn("Traceback", result.stderr)
        self.assertNotIn("ERRORS:", result.stderr + result.stdout)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)

    def test_example_with_its_fixes_on_heroku_with_whitenoise(self) -> None:
        procfile = "release: python manage.py migrate --noinput\nweb: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n"
        project = self.project(whitenoise=True, files={"Procfile": procfile})
        self.assert_check_deploy_passes(project, {"DYNO": "web.1", "HEROKU_APP_DEFAULT_DOMAIN_NAME": HOST})

    def test_whitenoise_project_on_render(self) -> None:
        render = (
            "services:\n"
            "  - type: web\n"
            "    name: blog\n"
            "    runtime: python\n"
            "    buildCommand: pip install -r requirements.txt && python manage.py collectstatic --noinput\n"
            "    preDeployCommand: python manage.py migrate --noinput\n"
            "    startCommand: gunicorn mysite.wsgi\n"
        )
        project = self.project(whitenoise=True, files={"render.yaml": render})
        self.assert_check_deploy_passes(project, {"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": HOST})

    def test_nginx_and_gunicorn_on_a_server_of_its_own(self) -> None:
        declared = f'\nDEPLOY_CONCEPTS = {{"platform": "vps", "hosts": ["{HOST}"], "proxy": "same-host"}}\n'
        files = {
            "deploy/nginx.conf": NGINX,
            "deploy/gunicorn.service": GUNICORN_SERVICE,
            "deploy/release.sh": "#!/bin/sh\nset -e\npython manage.py collectstatic --noinput\npython manage.py migrate --noinput\n",
        }
        project = self.project(whitenoise=False, files=files, settings_tail=declared)
        self.assert_check_deploy_passes(project, {})

    def test_the_same_projects_with_one_mistake_fail(self) -> None:
        """Controls: each test above can fail; one planted mistake gives its error and exit 1."""
        declared = f'\nDEPLOY_CONCEPTS = {{"platform": "vps", "hosts": ["{HOST}"], "proxy": "same-host"}}\n'
        nginx = NGINX.replace("        proxy_set_header X-Forwarded-Proto $scheme;\n", "")
        project = self.project(whitenoise=False, files={"deploy/nginx.conf": nginx}, settings_tail=declared)
        environ = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOST": HOST, "DATABASE_URL": "postgres://b:b@db/blog"}
        result = run_manage(project, "check", "--deploy", env=environ)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("deploy_webserver.E015", result.stderr)
        result = run_manage(EXAMPLE_DIR, "check", "--deploy", env={"DYNO": "web.1"})
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("deploy_wsgi.E002", result.stderr)
