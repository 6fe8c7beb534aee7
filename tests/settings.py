"""Settings for the test suite: a small, production-shaped project that tests override per case."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent / "fixtures" / "base"
SECRET_KEY = "tests-0b1e5c2d9f8a7e6d5c4b3a29180f7e6d5c4b3a2918-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "django_deploy_concepts",
    "tests.testapp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "tests.urls"
WSGI_APPLICATION = "tests.wsgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
