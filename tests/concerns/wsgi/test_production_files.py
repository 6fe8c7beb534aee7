"""Which files are production's, by evidence; start commands away from the root, in Makefiles and in script branches."""

from __future__ import annotations

from django.test import SimpleTestCase

from django_deploy_concepts.concerns.wsgi import start_commands
from django_deploy_concepts.concerns.wsgi.platform_files import read_makefile, script_lines
from django_deploy_concepts.concerns.wsgi.start_commands import read_start_commands
from tests.concerns.wsgi.support import context_for, ids, inspect, project_with

GOOD_PROCFILE = "web: gunicorn tests.wsgi --workers 3\n"
# A compose file for local development, as real projects keep it next to their Procfile.
DEV_COMPOSE = """services:
  web:
    build: .
    command: python manage.py runserver 0.0.0.0:8000
    volumes:
      - .:/app
    ports:
      - "8000:8000"
  db:
    image: postgres:16
"""
RUNSERVER_COMPOSE = (
    "services:\n  web:\n    build: .\n    command: python manage.py runserver 0.0.0.0:8000\n    ports:\n      - '8000:8000'\n"
)
ENTRYPOINT_DOCKERFILE = """FROM python:3.12-slim
WORKDIR /app
COPY . /app
ENV PORT=8000
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["gunicorn", "tests.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
"""
BRANCHING_ENTRYPOINT = """#!/bin/sh
set -e
if [ "$DJANGO_ENV" = "development" ]; then
    exec python manage.py runserver 0.0.0.0:8000
fi
exec "$@"
"""


def rows(project_files: dict[str, str], platform: str | None = None) -> list[tuple[str, int, str | None, str, str | None]]:
    with project_with(project_files) as project:
        found = read_start_commands(context_for(project, platform=platform))
    return [(command.file, command.line, command.server, command.role, command.conditional) for command in found.commands]


class RoleTests(SimpleTestCase):
    def test_a_development_compose_file_gives_no_start_command(self) -> None:
        with project_with({"Procfile": GOOD_PROCFILE, "docker-compose.yml": DEV_COMPOSE}) as project:
            found = read_start_commands(context_for(project))
        self.assertEqual([(command.file, command.server) for command in found.commands], [("Procfile", "gunicorn")])
        compose = next(start_file for start_file in found.files if start_file.path == "docker-compose.yml")
        self.assertEqual(compose.role, "development")
        self.assertIn("mounts the source (.:/app)", compose.role_reason)
        self.assertIn("python manage.py runserver 0.0.0.0:8000", compose.role_reason)

    def test_roles_by_name_and_by_the_platform(self) -> None:
        table = [
            ("compose without evidence", {"compose.yaml": RUNSERVER_COMPOSE}, None, [("compose.yaml", 4, "runserver", "unknown", None)]),
            ("named for production", {"docker-compose.prod.yml": RUNSERVER_COMPOSE}, None, [("docker-compose.prod.yml", 4, "runserver", "production", None)]),
            ("containers declared as the platform", {"compose.yaml": RUNSERVER_COMPOSE}, "container", [("compose.yaml", 4, "runserver", "production", None)]),
            ("a development service on that platform", {"compose.yaml": DEV_COMPOSE}, "container", []),
            ("named for development", {"docker-compose.dev.yml": RUNSERVER_COMPOSE, "Procfile": GOOD_PROCFILE}, None, [("Procfile", 1, "gunicorn", "production", None)]),
            ("an override file", {"docker-compose.override.yml": RUNSERVER_COMPOSE, "Procfile": GOOD_PROCFILE}, None, [("Procfile", 1, "gunicorn", "production", None)]),
            ("a root Dockerfile on Fly", {"Dockerfile": "FROM python:3.12\nCMD python manage.py runserver\n", "fly.toml": "app = 'x'\n"}, None, [("Dockerfile", 2, "runserver", "production", None)]),
            ("a root Dockerfile on Heroku", {"Dockerfile": "FROM python:3.12\nCMD python manage.py runserver\n", "Procfile": GOOD_PROCFILE}, "heroku", [("Dockerfile", 2, "runserver", "unknown", None), ("Procfile", 1, "gunicorn", "production", None)]),
            ("a Dockerfile for development", {"Dockerfile.dev": "FROM python:3.12\nCMD python manage.py runserver\n", "Procfile": GOOD_PROCFILE}, None, [("Procfile", 1, "gunicorn", "production", None)]),
        ]  # fmt: skip
        for label, project_files, platform, expected in table:
            with self.subTest(label):
                self.assertEqual(rows(project_files, platform), expected)

    def test_dockerfiles_away_from_the_root(self) -> None:
        dockerfile = "FROM python:3.12\nWORKDIR /app\nCOPY . /app\nCMD gunicorn tests.wsgi --bind 0.0.0.0:8080\n"
        table = [
            ("fly.toml names it", {"fly.toml": "app = 'x'\n[build]\ndockerfile = 'docker/Dockerfile'\n", "docker/Dockerfile": dockerfile}),
            ("render.yaml names it", {"render.yaml": "services:\n  - type: web\n    name: x\n    runtime: docker\n    dockerfilePath: ./deploy/Dockerfile\n", "deploy/Dockerfile": dockerfile}),
            ("a production compose file builds it", {"compose.production.yml": "services:\n  web:\n    build:\n      context: .\n      dockerfile: deploy/Dockerfile\n    ports: ['80:8080']\n", "deploy/Dockerfile": dockerfile}),
        ]  # fmt: skip
        for label, project_files in table:
            with self.subTest(label), project_with(project_files) as project:
                found = read_start_commands(context_for(project))
                docker = [command for command in found.commands if command.file.endswith("Dockerfile")]
                self.assertEqual([(command.line, command.server, command.role) for command in docker], [(4, "gunicorn", "production")])
                # COPY . /app from the build context: the command runs in the project itself.
                self.assertEqual(docker[0].working_dir, str(project.resolve()))

    def test_the_script_a_dockerfile_copies_is_the_one_read(self) -> None:
        # cookiecutter-django: both start scripts are called "start"; the image runs the production one.
        project_files = {
            "compose/production/django/Dockerfile": "FROM python:3.12\nCOPY ./compose/production/django/start /start\nCMD /start\n",
            "compose/production/django/start": "#!/bin/bash\nexec gunicorn tests.wsgi --bind 0.0.0.0:5000\n",
            "compose/local/django/start": "#!/bin/bash\nexec python manage.py runserver 0.0.0.0:8000\n",
            "production.yml": "services:\n  django:\n    build:\n      context: .\n      dockerfile: ./compose/production/django/Dockerfile\n",
        }
        self.assertEqual(
            rows(project_files),
            [
                ("compose/production/django/Dockerfile", 3, None, "production", None),
                ("compose/production/django/start", 2, "gunicorn", "production", None),
            ],
        )


class ScriptAndMakeTests(SimpleTestCase):
    def test_lines_inside_branches_may_not_run(self) -> None:
        text = (
            '#!/bin/sh\npython manage.py migrate\nif [ "$1" = dev ]; then\n  python manage.py runserver\nfi\n'
            'case "$1" in\n  web) exec gunicorn m.wsgi ;;\nesac\n[ -n "$DEV" ] && python manage.py runserver\n'
            "serve() {\n  gunicorn m.wsgi\n}\nexec gunicorn m.wsgi\npython manage.py runserver\n"
        )
        self.assertEqual(
            [(number, reason) for number, _line, reason in script_lines(text)],
            [
                (2, None),
                (3, None),
                (4, "inside the if at line 3"),
                (6, None),
                (7, "inside the case at line 6"),
                (9, "only when the test on line 9 holds"),
                (11, "inside a shell function (line 10)"),
                # Nothing after a top-level exec runs: line 14 is not given.
                (13, None),
            ],
        )

    def test_makefile_targets(self) -> None:
        makefile = (
            "PYTHON ?= python3\nMANAGE = $(PYTHON) manage.py\n.PHONY: run\n\nrun: migrate\n\t@$(MANAGE) runserver 0.0.0.0:$$PORT\n"
            "migrate:\n\t-$(MANAGE) migrate --noinput\nserve: ; gunicorn m.wsgi\n"
        )
        targets, default = read_makefile(makefile)
        self.assertEqual(default, "run")
        self.assertEqual(targets["run"].prerequisites, ("migrate",))
        self.assertEqual(targets["run"].recipe, ((6, "python3 manage.py runserver 0.0.0.0:$PORT"),))
        self.assertEqual(targets["migrate"].recipe, ((8, "python3 manage.py migrate --noinput"),))
        self.assertEqual(targets["serve"].recipe, ((9, "gunicorn m.wsgi"),))

    def test_a_procfile_calling_make(self) -> None:
        makefile = "run: migrate\n\tpython manage.py runserver 0.0.0.0:$$PORT\nmigrate:\n\tpython manage.py migrate\nserve:\n\tgunicorn tests.wsgi\n"
        self.assertEqual(
            rows({"Procfile": "web: make run\n", "Makefile": makefile}),
            [
                ("Procfile", 1, None, "production", None),
                # make runs the prerequisite (migrate) first.
                ("Makefile", 4, None, "production", None),
                ("Makefile", 2, "runserver", "production", None),
            ],
        )
        self.assertEqual(
            rows({"Procfile": "web: make -f Makefile serve\n", "Makefile": makefile}),
            [("Procfile", 1, None, "production", None), ("Makefile", 6, "gunicorn", "production", None)],
        )


class CheckTests(SimpleTestCase):
    """runserver where production certainly runs it is E002; where it may, W018; a Dockerfile that starts nothing, E019."""

    def messages(self, project_files: dict[str, str], platform: str | None = None) -> list[str]:
        with project_with(project_files) as project:
            _facts, messages = inspect(project, platform=platform)
        return ids(messages)

    def test_a_development_compose_file_is_not_production(self) -> None:
        # Real case: a Procfile with gunicorn and a compose file for local development.
        with project_with({"Procfile": GOOD_PROCFILE, "docker-compose.yml": DEV_COMPOSE}) as project:
            facts, messages = inspect(project, platform="heroku")
            explanation = start_commands.found(facts)
        self.assertNotIn("deploy_wsgi.E002", ids(messages))
        self.assertNotIn("deploy_wsgi.W018", ids(messages))
        notes = [fact for fact in explanation if fact.label == "docker-compose.yml (development)"]
        self.assertEqual(len(notes), 1, explanation)
        self.assertIn("not production's", notes[0].value)

    def test_a_dockerfile_only_development_builds_next_to_a_procfile(self) -> None:
        # Real case, with the platform detected from the files (the compose file makes it "container").
        project_files = {
            "Procfile": GOOD_PROCFILE,
            "docker-compose.yml": DEV_COMPOSE.replace("    command: python manage.py runserver 0.0.0.0:8000\n", ""),
            "Dockerfile": "FROM python:3.12\nWORKDIR /app\nCOPY . /app\nCMD python manage.py runserver 0.0.0.0:8000\n",
        }
        with project_with(project_files) as project:
            facts, messages = inspect(project)
        self.assertEqual([(command.file, command.server) for command in facts.start_commands], [("Procfile", "gunicorn")])
        self.assertNotIn("deploy_wsgi.E002", ids(messages))
        self.assertNotIn("deploy_wsgi.W018", ids(messages))
        dockerfile = next(start_file for start_file in facts.start_files if start_file.path == "Dockerfile")
        self.assertEqual(dockerfile.role, "development")
        self.assertIn("production starts from Procfile", dockerfile.role_reason)

    def test_runserver_where_production_certainly_runs_it(self) -> None:
        table = [
            ("Procfile", {"Procfile": "web: python manage.py runserver 0.0.0.0:$PORT\n"}, None),
            ("a production compose file", {"docker-compose.prod.yml": RUNSERVER_COMPOSE}, None),
            ("a Dockerfile fly.toml builds", {"fly.toml": "app = 'x'\n[build]\ndockerfile = 'docker/Dockerfile'\n", "docker/Dockerfile": "FROM python:3.12\nCMD python manage.py runserver 0.0.0.0:8080\n"}, None),
            ("a Makefile target", {"Procfile": "web: make run\n", "Makefile": "run:\n\tpython manage.py runserver 0.0.0.0:$$PORT\n"}, "heroku"),
        ]  # fmt: skip
        for label, project_files, platform in table:
            with self.subTest(label):
                found = self.messages(project_files, platform)
                self.assertIn("deploy_wsgi.E002", found)
                self.assertNotIn("deploy_wsgi.W018", found)

    def test_runserver_where_production_may_run_it(self) -> None:
        table = [
            ("a compose file with no evidence", {"compose.yaml": RUNSERVER_COMPOSE}, None),
            ("a branch of the entrypoint", {"Dockerfile": ENTRYPOINT_DOCKERFILE, "entrypoint.sh": BRANCHING_ENTRYPOINT}, "container"),
        ]
        for label, project_files, platform in table:
            with self.subTest(label):
                found = self.messages(project_files, platform)
                self.assertIn("deploy_wsgi.W018", found)
                self.assertNotIn("deploy_wsgi.E002", found)

    def test_w015_says_why(self) -> None:
        with project_with({"Dockerfile": ENTRYPOINT_DOCKERFILE, "entrypoint.sh": BRANCHING_ENTRYPOINT}) as project:
            facts, messages = inspect(project, platform="container")
        command = next(command for command in facts.start_commands if command.server == "runserver")
        self.assertEqual((command.file, command.line), ("entrypoint.sh", 4))
        self.assertIn(start_commands.w018(command, "tests.wsgi:application"), messages)
        self.assertIn("may serve the site with runserver: inside the if at line 3 of entrypoint.sh", start_commands.w018(command, "x").msg)

    def test_w015_for_a_file_nothing_says_is_production(self) -> None:
        with project_with({"compose.yaml": RUNSERVER_COMPOSE}) as project:
            facts, messages = inspect(project)
        command = facts.start_commands[0]
        message = start_commands.w018(command, "tests.wsgi:application")
        self.assertIn(message, messages)
        self.assertEqual(
            message.msg,
            "compose.yaml line 4 may serve the site with runserver: if production runs compose.yaml "
            "(service 'web': nothing says whether it is production's or development's).",
        )

    def test_quiet_with_gunicorn(self) -> None:
        table = [
            {"Procfile": "web: make serve\n", "Makefile": "serve:\n\tgunicorn tests.wsgi --workers 3\n"},
            {"Dockerfile": ENTRYPOINT_DOCKERFILE, "entrypoint.sh": '#!/bin/sh\npython manage.py migrate\nexec "$@"\n'},
        ]
        for project_files in table:
            with self.subTest(project_files):
                found = self.messages(project_files, "container")
                self.assertNotIn("deploy_wsgi.E002", found)
                self.assertNotIn("deploy_wsgi.W018", found)

    def test_a_dockerfile_deeper_in_the_tree_needs_evidence_for_errors(self) -> None:
        loopback = "FROM python:3.12\nWORKDIR /app\nCOPY . /app\nCMD gunicorn tests.wsgi --bind 127.0.0.1:8080\n"
        named = {"fly.toml": "app = 'x'\n[build]\ndockerfile = 'docker/Dockerfile'\n", "docker/Dockerfile": loopback}
        self.assertIn("deploy_wsgi.E010", self.messages(named))
        # Nothing says production builds docker/Dockerfile: its command is listed, not judged.
        with project_with({"fly.toml": "app = 'x'\n", "docker/Dockerfile": loopback}) as project:
            facts, messages = inspect(project)
        self.assertEqual([(command.file, command.role) for command in facts.start_commands], [("docker/Dockerfile", "unknown")])
        self.assertNotIn("deploy_wsgi.E010", ids(messages))

    def test_e016_a_production_dockerfile_with_no_cmd(self) -> None:
        no_cmd = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements.txt\n"
        with project_with({"Dockerfile": no_cmd, "fly.toml": "app = 'x'\n"}) as project:
            facts, messages = inspect(project)
        start_file = next(start_file for start_file in facts.start_files if start_file.path == "Dockerfile")
        self.assertEqual(start_file.missing_start, (1, "python:3.12-slim"))
        self.assertIn(start_commands.e019(start_file, "tests.wsgi:application"), messages)
        quiet = [
            # fly.toml says what runs.
            ({"Dockerfile": no_cmd, "fly.toml": "app = 'x'\n[processes]\napp = 'gunicorn tests.wsgi --bind 0.0.0.0:8080'\n"}, None),
            # Nothing says production builds it.
            ({"Dockerfile": no_cmd, "Procfile": GOOD_PROCFILE}, "heroku"),
            # A base image of the project's own may bring its CMD.
            ({"Dockerfile": "FROM registry.example.com/blog-base:1\nCOPY . /app\n"}, "container"),
            ({"Dockerfile": no_cmd + 'CMD ["gunicorn", "tests.wsgi"]\n'}, "container"),
        ]
        for project_files, platform in quiet:
            with self.subTest(project_files):
                self.assertNotIn("deploy_wsgi.E019", self.messages(project_files, platform))


class OddFilesTests(SimpleTestCase):
    def test_odd_files_do_not_crash(self) -> None:
        table = {
            "make calling itself": {"Procfile": "web: make run\n", "Makefile": "run:\n\t$(MAKE) run\n\tmake -C . run\n"},
            "a Makefile with no targets": {"Procfile": "web: make\n", "Makefile": "X = 1\n\n# nothing\n"},
            "a Makefile that is a folder": {"Procfile": "web: make run\n", "Makefile/x": ""},
            "compose with odd build and volumes": {
                "compose.yaml": "services:\n  web:\n    build: 3\n    volumes: [1, {source: 2}, '.']\n    profiles: 7\n    command: gunicorn x.wsgi\n"
            },
            "compose building a folder that is missing": {"compose.yaml": "services:\n  web:\n    build: ./nowhere\n"},
            "a script with unbalanced blocks": {
                "Procfile": "web: ./start.sh\n",
                "start.sh": "fi\nesac\n}\nif x; then\ncase y in\nexec gunicorn x.wsgi\n",
            },
            "fly.toml naming a missing Dockerfile": {"fly.toml": "app = 'x'\n[build]\ndockerfile = '../../etc/passwd'\n"},
            "a Dockerfile copying from outside": {
                "Dockerfile": "FROM python:3.12\nCOPY ../../ /app\nCOPY /etc/passwd /start\nCMD /start\n"
            },
        }
        for label, project_files in table.items():
            with self.subTest(label), project_with(project_files) as project:
                facts, messages = inspect(project, platform="container")
                self.assertNotIn("deploy_wsgi.E000", ids(messages))
                # Files outside the build context are not read as scripts.
                self.assertNotIn("/etc/passwd", {start_file.path for start_file in facts.start_files})
