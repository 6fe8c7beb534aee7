"""What production installs, by evidence, and whether every module the settings name is installed."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import checklist, static
from django_deploy_concepts.concerns.checklist import dependencies
from django_deploy_concepts.concerns.checklist.facts import DependencyFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.runner import run_checks
from tests.concerns.checklist.helpers import ChecklistTestCase, findings_of

POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "blog"}}


@contextlib.contextmanager
def postgres() -> Iterator[None]:
    """DATABASES naming PostgreSQL; nothing here connects."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Overriding setting DATABASES", category=UserWarning)
        with override_settings(DATABASES=POSTGRES):
            yield


class InstallTargetTests(SimpleTestCase):
    def test_what_a_build_command_installs(self) -> None:
        rows = [
            ("pip install -r requirements.txt", [("file", "requirements.txt")]),
            ("pip install --no-cache-dir -r requirements/production.txt gunicorn==23.0", [("file", "requirements/production.txt"), ("package", "gunicorn==23.0")]),
            ("--mount=type=cache,target=/root/.cache pip install -rrequirements_remote.txt", [("file", "requirements_remote.txt")]),
            ("python -m pip install --upgrade pip && python -m pip install -c constraints.txt .", [("package", "pip"), ("project", ".")]),
            ("uv pip install --system -r requirements.txt -i https://pypi.org/simple", [("file", "requirements.txt")]),
            ("uv sync --frozen --no-dev", [("group", "uv")]),
            ("poetry export -o requirements.txt && pip install -r requirements.txt", [("group", "poetry"), ("file", "requirements.txt")]),
            ("pipenv install --deploy --system", [("group", "pipenv")]),
            ("poetry install --only main --no-root", [("group", "poetry")]),
            ("pip install /wheels/*", []),
            ("python manage.py collectstatic --noinput", []),
        ]  # fmt: skip
        for command, expected in rows:
            with self.subTest(command):
                self.assertEqual(dependencies.install_targets(command), expected)


class SplitRequirementsTests(ChecklistTestCase):
    """Real case: requirements.txt for everyone and requirements_remote.txt, installed by an Elastic Beanstalk hook."""

    def write_project(self, *, hook: bool, remote: str = "gunicorn\npsycopg2-binary\n") -> None:
        self.write("requirements.txt", "Django>=5.2\nwhitenoise\n")
        self.write("requirements_remote.txt", remote)
        self.write("Procfile", "web: gunicorn mysite.wsgi --bind :8000 --workers 3\n")
        self.write(".ebextensions/django.config", "option_settings: {}\n")
        if hook:
            self.write(
                ".platform/hooks/prebuild/01_install.sh",
                "#!/bin/bash\nsource $PYTHONPATH/activate\npip install -r requirements_remote.txt\n",
            )

    def test_a_build_hook_installs_the_other_file(self) -> None:
        self.write_project(hook=True)
        with postgres():
            facts = self.facts().dependencies
            ids = self.ids()
        self.assertEqual(facts.manifest, "requirements.txt, requirements_remote.txt")
        self.assertTrue(facts.complete)
        self.assertEqual(
            facts.installed_by,
            (
                "AWS Elastic Beanstalk installs requirements.txt",
                ".platform/hooks/prebuild/01_install.sh:3 pip install -r requirements_remote.txt",
            ),
        )
        for quiet in ("deploy_checklist.E023", "deploy_checklist.E024", "deploy_checklist.I034"):
            self.assertNotIn(quiet, ids)

    def test_without_evidence_it_says_what_to_declare(self) -> None:
        self.write_project(hook=False)
        with postgres():
            facts = self.facts().dependencies
            messages = self.messages()
        self.assertFalse(facts.complete)
        self.assertEqual(facts.other_files, ("requirements_remote.txt",))
        self.assertIn(dependencies.i034(facts), messages)
        self.assertIn(
            "DEPLOY_CONCEPTS = {'requirements': ['requirements.txt', 'requirements_remote.txt']}", dependencies.i034(facts).hint or ""
        )
        ids = [message.id for message in messages]
        self.assertNotIn("deploy_checklist.E023", ids)
        self.assertNotIn("deploy_checklist.E024", ids)

    def test_missing_from_every_file_is_still_an_error(self) -> None:
        self.write_project(hook=True, remote="psycopg2-binary\n")
        with postgres():
            ids = self.ids()
        self.assertIn("deploy_checklist.E023", ids)
        self.assertNotIn("deploy_checklist.E024", ids)

    def test_files_outside_the_project_are_not_read(self) -> None:
        self.write("requirements.txt", "Django\ngunicorn\n")
        self.write("Procfile", "web: gunicorn mysite.wsgi\n")
        outside = self.base_dir.parent / f"{self.base_dir.name}-outside.txt"
        outside.write_text("psycopg2-binary\n", encoding="utf-8")
        self.addCleanup(outside.unlink)
        self.write("bin/post_compile", f"pip install -r ../{outside.name}\n")
        facts = self.facts().dependencies
        self.assertNotIn("psycopg2-binary", facts.names)
        self.assertEqual(facts.manifest, "requirements.txt")

    def test_development_files_are_not_candidates(self) -> None:
        self.write("requirements.txt", "Django\ngunicorn\nwhitenoise\n")
        self.write("requirements-dev.txt", "pytest\n")
        self.write("requirements/local.txt", "django-debug-toolbar\n")
        self.write("Procfile", "web: gunicorn mysite.wsgi\n")
        facts = self.facts().dependencies
        self.assertEqual(facts.other_files, ())
        self.assertTrue(facts.complete)

    def test_declared_files(self) -> None:
        self.write_project(hook=False)
        declared = ["requirements.txt", "requirements_remote.txt"]
        with override_settings(DEPLOY_CONCEPTS={"requirements": declared}):
            context = self.context()
        with postgres():
            facts = self.facts_for(context)
        self.assertTrue(facts.complete)
        self.assertEqual(facts.installed_by, ("declared in DEPLOY_CONCEPTS['requirements']",))
        self.assertEqual(sorted(facts.names), ["django", "gunicorn", "psycopg2-binary", "whitenoise"])

    def facts_for(self, context: ProjectContext) -> DependencyFacts:
        from django_deploy_concepts.concerns import checklist

        return checklist.collect_facts(context).dependencies


class DockerfileInstallTests(ChecklistTestCase):
    def test_pip_install_in_a_dockerfile_run_line(self) -> None:
        self.write("requirements.txt", "Django>=5.2\n")  # what developers install
        self.write("requirements/production.txt", "-r ../requirements.txt\npsycopg[binary]\nwhitenoise\n")
        # Another file the image does not install: the RUN line says what it installs.
        self.write("requirements_remote.txt", "boto3\n")
        self.write(
            "Dockerfile",
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements/ /app/requirements/\nCOPY requirements.txt /app/\n"
            "RUN pip install --no-cache-dir -r requirements/production.txt gunicorn\nCOPY . /app\n"
            "CMD gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n",
        )
        with postgres():
            facts = self.facts(platform="container").dependencies
            ids = self.ids(platform="container")
        self.assertEqual(facts.manifest, "requirements/production.txt")
        self.assertEqual(sorted(facts.names), ["django", "gunicorn", "psycopg", "whitenoise"])
        self.assertEqual(facts.installed_by, ("Dockerfile:5 pip install --no-cache-dir -r requirements/production.txt gunicorn",))
        self.assertEqual(facts.other_files, ("requirements_remote.txt",))
        self.assertTrue(facts.complete)
        for quiet in ("deploy_checklist.E023", "deploy_checklist.E024", "deploy_checklist.E025", "deploy_checklist.I034"):
            self.assertNotIn(quiet, ids)

    def test_uv_sync_reads_the_lock_file(self) -> None:
        self.write("requirements.txt", "Django\n")  # stale, not what the image installs
        self.write("pyproject.toml", '[project]\nname = "blog"\ndependencies = ["Django", "gunicorn", "whitenoise"]\n')
        self.write(
            "uv.lock",
            'version = 1\n[[package]]\nname = "django"\nversion = "5.2.1"\n[[package]]\nname = "gunicorn"\nversion = "23.0.0"\n[[package]]\nname = "whitenoise"\nversion = "6.9.0"\n',
        )
        self.write(
            "Dockerfile",
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev\nCMD gunicorn mysite.wsgi\n",
        )
        facts = self.facts(platform="fly").dependencies
        self.assertEqual(facts.manifest, "pyproject.toml, uv.lock")
        self.assertNotIn("deploy_checklist.E023", self.ids(platform="fly"))

    def test_a_build_script_named_by_render_yaml(self) -> None:
        self.write("requirements.txt", "Django\n")
        self.write("requirements/prod.txt", "-r ../requirements.txt\ngunicorn\nwhitenoise\n")
        self.write(
            "build.sh",
            "#!/usr/bin/env bash\nset -o errexit\npip install -r requirements/prod.txt\npython manage.py collectstatic --no-input\n",
        )
        self.write(
            "render.yaml",
            "services:\n  - type: web\n    name: blog\n    runtime: python\n    buildCommand: ./build.sh\n    startCommand: gunicorn mysite.wsgi\n",
        )
        facts = self.facts().dependencies
        self.assertEqual(facts.manifest, "requirements/prod.txt")
        self.assertEqual(facts.installed_by, ("build.sh:3 pip install -r requirements/prod.txt",))
        self.assertTrue(facts.complete)
        self.assertNotIn("deploy_checklist.E023", self.ids())

    def test_whitenoise_installed_by_the_build_is_not_reported_by_any_concern(self) -> None:
        # requirements.txt is for development; the build installs requirements/prod.txt, which lists whitenoise.
        self.write("requirements.txt", "Django\n")
        self.write("requirements/prod.txt", "-r ../requirements.txt\ngunicorn\nwhitenoise\n")
        self.write("build.sh", "#!/usr/bin/env bash\npip install -r requirements/prod.txt\n")
        self.write(
            "render.yaml",
            "services:\n  - type: web\n    name: blog\n    buildCommand: ./build.sh\n    startCommand: gunicorn mysite.wsgi\n",
        )
        middleware = ["django.middleware.security.SecurityMiddleware", "whitenoise.middleware.WhiteNoiseMiddleware"]
        with override_settings(MIDDLEWARE=middleware):
            context = self.context()
            messages = [message for concern in (static, checklist) for message in run_checks(concern, concern.collect_facts(context))]
            self.assertEqual(self.facts().dependencies.whitenoise_used_by, "MIDDLEWARE")
        self.assertEqual([message.id for message in messages if "whitenoise" in message.msg.lower() and message.is_serious()], [])

    def test_the_same_without_gunicorn_fires(self) -> None:
        self.write("requirements.txt", "Django\nwhitenoise\n")
        self.write(
            "Dockerfile",
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements.txt\nCMD gunicorn mysite.wsgi\n",
        )
        facts = self.facts(platform="container").dependencies
        self.assertTrue(facts.complete)
        self.assertIn(dependencies.e023(facts), self.messages(platform="container"))


class ModuleTests(ChecklistTestCase):
    """Real case: a correct project failed a fresh install with No module named 'django_deploy_concepts'."""

    def test_this_app_missing_from_complete_requirements(self) -> None:
        self.write("requirements.txt", "Django>=5.2\ngunicorn\nwhitenoise\n")
        self.write("Procfile", "web: gunicorn mysite.wsgi\n")
        facts = self.facts().dependencies
        use = next(use for use in facts.modules if use.module == "django_deploy_concepts")
        self.assertEqual((use.setting, use.distributions), ("INSTALLED_APPS", ("django-deploy-concepts",)))
        message = dependencies.e035(facts, use)
        self.assertIn(message, self.messages())
        self.assertEqual(
            message.msg, "INSTALLED_APPS names django_deploy_concepts, but requirements.txt does not install django-deploy-concepts."
        )
        self.assertIn("a local settings module, or add it only when DEBUG", message.hint or "")
        self.assertIn("No module named 'django_deploy_concepts'", message.hint or "")

    def test_quiet_when_listed_or_kept_out_of_production_settings(self) -> None:
        self.write("Procfile", "web: gunicorn mysite.wsgi\n")
        self.write("requirements.txt", "Django>=5.2\ngunicorn\nwhitenoise\ndjango-deploy-concepts\n")
        self.assertNotIn("deploy_checklist.E035", self.ids())
        self.write("requirements.txt", "Django>=5.2\ngunicorn\nwhitenoise\n")
        apps = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.staticfiles", "tests.testapp"]
        with override_settings(INSTALLED_APPS=apps):
            ids = self.ids()
        self.assertNotIn("deploy_checklist.E035", ids)
        self.assertNotIn("deploy_checklist.W036", ids)

    def test_a_warning_when_the_list_may_be_incomplete(self) -> None:
        # No platform and no build file: what production installs is an assumption.
        self.write("requirements.txt", "Django>=5.2\ngunicorn\nwhitenoise\n")
        facts = self.facts().dependencies
        self.assertFalse(facts.complete)
        use = next(use for use in facts.modules if use.module == "django_deploy_concepts")
        messages = self.messages()
        self.assertIn(dependencies.w036(facts, use), messages)
        self.assertIn("if production installs only what it lists", dependencies.w036(facts, use).msg)
        self.assertNotIn("deploy_checklist.E035", [message.id for message in messages])

    def test_middleware_storages_and_engines_count_and_dependencies_bring_modules(self) -> None:
        self.write("Procfile", "web: gunicorn mysite.wsgi\n")
        self.write("requirements.txt", "Django>=5.2\ngunicorn\nwhitenoise\ndjango-deploy-concepts\n")
        storages = {
            "default": {"BACKEND": "coverage.Storage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        # asgiref comes with Django; coverage with nothing listed here.
        with override_settings(MIDDLEWARE=["asgiref.sync.Middleware"], STORAGES=storages):
            facts = self.facts().dependencies
            ids = [(message.id, message.obj) for message in self.messages()]
        self.assertIn(("deploy_checklist.E035", "coverage.Storage"), ids)
        self.assertNotIn(("deploy_checklist.E035", "asgiref.sync.Middleware"), ids)
        self.assertIn("asgiref", facts.brought)
        self.assertEqual(
            {(use.setting, use.module) for use in facts.modules},
            {("INSTALLED_APPS", "django"), ("INSTALLED_APPS", "django_deploy_concepts"), ("MIDDLEWARE", "asgiref"),
             ("STORAGES['default']", "coverage"), ("STORAGES['staticfiles']", "django"), ("DATABASES['default']", "django")},
        )  # fmt: skip


class ExplanationTests(ChecklistTestCase):
    def test_steps_for_a_development_app_and_for_what_to_declare(self) -> None:
        self.write("requirements.txt", "Django>=5.2\ngunicorn\nwhitenoise\n")
        self.write("requirements_remote.txt", "psycopg2-binary\n")
        facts = self.facts()
        messages = self.messages()
        text = self.explanation_text(facts, findings_of(messages))
        self.assertIn("Keep django_deploy_concepts out of production settings.", text)
        self.assertIn('if DEBUG:\n    INSTALLED_APPS += ["django_deploy_concepts"]', text)
        self.assertIn('DEPLOY_CONCEPTS = {"requirements": ["requirements.txt", "requirements_remote.txt"]}', text)
        self.assertIn("requirements.txt (assumed: nothing shows what the build installs)", text)
