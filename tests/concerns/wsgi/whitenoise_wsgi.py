"""A wsgi module whose WhiteNoise root does not exist yet (collectstatic has not run)."""

from pathlib import Path

from whitenoise import WhiteNoise  # type: ignore[import-untyped]

from tests.wsgi import application as django_application

application = WhiteNoise(django_application, root=Path(__file__).resolve().parent / "staticfiles-not-collected")
