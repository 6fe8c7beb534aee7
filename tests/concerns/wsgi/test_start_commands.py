"""Start commands: every file format, with file and line, and the checks on what they run."""

from __future__ import annotations

import json

from django.test import SimpleTestCase
from django.test.utils import override_settings

from django_deploy_concepts.concerns.wsgi import commands
from django_deploy_concepts.concerns.wsgi.start_commands import read_start_commands
from tests.concerns.wsgi.support import context_for, copied_fixture, ids, inspect, project_with
from tests.utils import FIXTURES_DIR


# (file, line, process, server, application path, is web, runs migrate) for each fixture.
def json_error_line(case: str, name: str) -> str:
    try:
        json.loads((FIXTURES_DIR / "wsgi" / "start_commands" / case / name).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return f"line {exc.lineno}"
    raise AssertionError(f"{case}/{name} is meant to be malformed JSON")


EXPECTED = {
    "procfile": [
        ("Procfile", 2, "release", None, None, False, True),
        ("Procfile", 3, "web", "gunicorn", "mysite.wsgi:application", True, False),
        ("Procfile", 5, "worker", None, None, False, False),
    ],
    "dockerfile": [
        ("Dockerfile", 14, "web (ENTRYPOINT)", None, None, True, False),
        ("src/entrypoint.sh", 3, "web (ENTRYPOINT)", None, None, True, True),
        ("Dockerfile", 15, "web", "gunicorn", "mysite.wsgi:application", True, False),
    ],
    "compose": [
        ("docker-compose.yml", 9, "web", "gunicorn", "mysite.wsgi", True, True),
        ("docker-compose.yml", 16, "worker", None, None, False, False),
    ],
    "fly": [
        ("fly.toml", 8, "app", "gunicorn", "mysite.wsgi", True, False),
        ("fly.toml", 9, "worker", None, None, False, False),
        ("fly.toml", 5, "release", None, None, False, True),
    ],
    "render": [
        ("render.yaml", 8, "blog", "gunicorn", "mysite.wsgi:application", True, False),
        ("render.yaml", 7, "blog (preDeployCommand)", None, None, False, True),
        ("render.yaml", 16, "queue", None, None, False, False),
    ],
    "railway_json": [
        ("railway.json", 6, "web", "gunicorn", "mysite.wsgi", True, False),
        ("railway.json", 5, "preDeployCommand", None, None, False, True),
    ],
    "railway_toml": [("railway.toml", 5, "web", "gunicorn", "mysite.wsgi", True, True)],
    "appengine": [("app.yaml", 2, "web", "gunicorn", "mysite.wsgi:application", True, False)],
    "upsun": [
        (".upsun/config.yaml", 13, "blog web", "gunicorn", "mysite.wsgi:application", True, False),
        (".upsun/config.yaml", 10, "deploy hook", None, None, False, True),
    ],
    "platformsh": [
        (".platform.app.yaml", 8, "blog web", "gunicorn", "mysite.wsgi:application", True, False),
        (".platform.app.yaml", 5, "deploy hook", None, None, False, True),
    ],
    "digitalocean": [
        (".do/app.yaml", 5, "web", "gunicorn", "mysite.wsgi", True, False),
        (".do/app.yaml", 10, "migrate (PRE_DEPLOY)", None, None, False, True),
    ],
    "nixpacks": [("nixpacks.toml", 5, "web", "gunicorn", "mysite.wsgi", True, False)],
    "systemd": [
        ("deploy/gunicorn.service", 9, "gunicorn (ExecStartPre)", None, None, False, True),
        ("deploy/gunicorn.service", 10, "gunicorn", "gunicorn", "mysite.wsgi:application", True, False),
    ],
    "supervisor": [
        ("deploy/supervisor/blog.conf", 2, "blog", "gunicorn", "mysite.wsgi:application", True, False),
        ("deploy/supervisor/blog.conf", 7, "queue", None, None, False, False),
    ],
    "script": [
        ("Procfile", 1, "web", None, None, True, False),
        ("bin/start.sh", 3, "web", None, None, True, True),
        ("bin/start.sh", 4, "web", "gunicorn", "mysite.wsgi:application", True, False),
    ],
}
# The file each malformed fixture breaks, and the line the error names (None: the parser gives none).
MALFORMED = {
    "procfile_malformed": ("Procfile", "line 2"),
    "dockerfile_malformed": ("Dockerfile", "line 4"),
    "compose_malformed": ("compose.yaml", "line 4"),
    "fly_malformed": ("fly.toml", "line 4"),
    "render_malformed": ("render.yaml", "line 4"),
    # Python's json module words (and places) the error differently from version to version.
    "railway_json_malformed": ("railway.json", json_error_line("railway_json_malformed", "railway.json")),
    "railway_toml_malformed": ("railway.toml", "line 2"),
    "appengine_malformed": ("app.yaml", "line 3"),
    "platformsh_malformed": (".platform.app.yaml", "line 4"),
    "digitalocean_malformed": (".do/app.yaml", "line 4"),
    "nixpacks_malformed": ("nixpacks.toml", "line 1"),
    "upsun_malformed": (".upsun/config.yaml", "line 6"),
    "systemd_malformed": ("deploy/gunicorn.service", "line 1"),
    "supervisor_malformed": ("deploy/supervisor/blog.conf", "line 2"),
}


class FormatTests(SimpleTestCase):
    def test_each_format_gives_its_commands_with_file_and_line(self) -> None:
        for case, expected in EXPECTED.items():
            with self.subTest(case), copied_fixture("start_commands", case) as project:
                found = read_start_commands(context_for(project))
                rows = [
                    (
                        command.file,
                        command.line,
                        command.process,
                        command.server,
                        command.application_path,
                        command.is_web,
                        command.runs_migrate,
                    )
                    for command in found.commands
                ]
                self.assertEqual(rows, expected)
                self.assertEqual([start_file.error for start_file in found.files if start_file.error], [])

    def test_details_of_what_runs(self) -> None:
        rows: list[tuple[str, int, dict[str, object]]] = [
            ("procfile", 1, {"binds": ("0.0.0.0:$PORT",), "workers": 3}),
            ("dockerfile", 2, {"binds": ("0.0.0.0:$PORT",), "workers": 4, "sets_port": True}),
            ("nixpacks", 0, {"workers": None, "workers_from": "${WEB_CONCURRENCY:-2}"}),
            ("systemd", 1, {"binds": ("unix:/run/gunicorn.sock",), "working_dir": None}),
            ("upsun", 0, {"binds": ("unix:$SOCKET",)}),
        ]
        for case, index, expected in rows:
            with self.subTest(case), copied_fixture("start_commands", case) as project:
                command = read_start_commands(context_for(project)).commands[index]
                self.assertEqual({name: getattr(command, name) for name in expected}, expected)

    def test_the_image_workdir_maps_back_to_the_copied_directory(self) -> None:
        with copied_fixture("start_commands", "dockerfile") as project:
            command = read_start_commands(context_for(project)).commands[-1]
            self.assertEqual(command.working_dir, str((project / "src").resolve()))

    def test_fly_internal_port(self) -> None:
        with copied_fixture("start_commands", "fly") as project:
            fly = read_start_commands(context_for(project)).fly
        assert fly is not None
        self.assertEqual((fly.internal_port, fly.line), (8080, 12))

    def test_malformed_files_give_w012_not_a_traceback(self) -> None:
        for case, (file, line) in MALFORMED.items():
            with self.subTest(case), copied_fixture("start_commands", case) as project:
                _facts, messages = inspect(project)
                failures = [message for message in messages if message.id == "deploy_wsgi.E012"]
                self.assertEqual(len(failures), 1, messages)
                self.assertIn(file, failures[0].msg)
                self.assertIn(line, failures[0].msg.lower())
                self.assertNotIn("deploy_wsgi.E000", ids(messages))

    def test_well_formed_files_give_no_w012(self) -> None:
        for case in EXPECTED:
            with self.subTest(case), copied_fixture("start_commands", case) as project:
                _, messages = inspect(project)
                self.assertNotIn("deploy_wsgi.E012", ids(messages))
                self.assertNotIn("deploy_wsgi.E000", ids(messages))

    def test_templated_units_are_not_start_commands(self) -> None:
        unit = "[Service]\n{% if socket %}# socket{% endif %}\nExecStart={{ gunicorn }} mysite.wsgi\n"
        rows = [("templates/gunicorn.service", unit, 0), ("deploy/gunicorn.service", "[Service]\nExecStart=gunicorn mysite.wsgi\n", 1)]
        for path, text, expected in rows:
            with self.subTest(path=path), project_with({path: text}) as project:
                facts, messages = inspect(project)
                self.assertEqual(len([c for c in facts.start_commands if c.file.endswith(".service")]), expected)
                self.assertNotIn("deploy_wsgi.E012", ids(messages))

    def test_unreadable_and_odd_files_do_not_crash(self) -> None:
        rows = {
            "binary Procfile": {"Procfile": "\x00\xff web: \x00"},
            "empty compose": {"compose.yaml": ""},
            "compose without services": {"compose.yaml": "version: '3'\n"},
            "compose list": {"compose.yaml": "- a\n- b\n"},
            "fly with odd types": {"fly.toml": "processes = 3\n[http_service]\ninternal_port = 'x'\n"},
            "railway list": {"railway.json": "[1, 2]"},
            "render without services": {"render.yaml": "databases: []\n"},
            "unbalanced quotes": {"Procfile": "web: gunicorn 'x.wsgi\n"},
            "script loop": {"Procfile": "web: ./a.sh\n", "a.sh": "./a.sh\n"},
        }
        for name, files in rows.items():
            with self.subTest(name), project_with(files) as project:
                _, messages = inspect(project)
                self.assertNotIn("deploy_wsgi.E000", ids(messages))


class YamlAndNulTests(SimpleTestCase):
    """Files the hand-written YAML reader got wrong, and bytes no program can be started with."""

    def test_compose_merge_keys_from_a_list_of_aliases(self) -> None:
        compose = (
            "x-web: &web\n  command: gunicorn tests.wsgi --bind 0.0.0.0:8000\n  ports: ['8000:8000']\n"
            "x-image: &img\n  image: blog\n  environment:\n    - PORT=8000\n"
            "services:\n  web:\n    <<: [*web, *img]\n"
        )
        with project_with({"compose.yaml": compose}) as project:
            found = read_start_commands(context_for(project))
        rows = [
            (command.file, command.line, command.process, command.server, command.is_web, command.sets_port) for command in found.commands
        ]
        self.assertEqual(rows, [("compose.yaml", 2, "web", "gunicorn", True, True)])

    def test_render_yaml_with_a_byte_order_mark(self) -> None:
        render = "\ufeffservices:\n  - type: web\n    name: blog\n    startCommand: gunicorn tests.wsgi\n"
        with project_with({"render.yaml": render}) as project:
            found = read_start_commands(context_for(project))
        self.assertEqual([(command.line, command.process, command.server) for command in found.commands], [(4, "blog", "gunicorn")])

    def test_an_alias_bomb_is_a_parse_error(self) -> None:
        # Under 1 KB, 9**9 values once every alias is expanded: the reader stops at its cap.
        lines = ["x-0: &a0 [PORT, PORT, PORT, PORT, PORT, PORT, PORT, PORT, PORT]"]
        lines += [f"x-{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 10)]
        compose = "\n".join(lines) + "\nservices:\n  web:\n    command: gunicorn tests.wsgi\n    environment: *a9\n"
        self.assertLess(len(compose), 1024)
        with project_with({"compose.yaml": compose}) as project:
            found = read_start_commands(context_for(project))
        self.assertEqual(found.commands, ())
        self.assertEqual([start_file.path for start_file in found.files], ["compose.yaml"])
        self.assertIn("aliases used over and over", found.files[0].error or "")

    def test_a_nul_byte_in_a_procfile_line(self) -> None:
        procfile = "release: python manage.py migrate\nweb: gunicorn tests.wsgi\x00 --bind 0.0.0.0:$PORT\n"
        with project_with({"Procfile": procfile}) as project:
            facts, messages = inspect(project)
        self.assertNotIn("deploy_wsgi.E000", ids(messages))
        self.assertEqual([(command.line, command.process) for command in facts.start_commands], [(1, "release")])
        failures = [message for message in messages if message.id == "deploy_wsgi.E012"]
        self.assertEqual(len(failures), 1, messages)
        self.assertIn("line 2: a NUL byte", failures[0].msg)

    def test_a_nul_byte_in_a_start_script(self) -> None:
        with project_with({"Procfile": "web: ./start.sh\n", "start.sh": "#!/bin/sh\nexec gunicorn tests.wsgi\x00\n"}) as project:
            facts, messages = inspect(project)
        self.assertNotIn("deploy_wsgi.E000", ids(messages))
        self.assertEqual([command.file for command in facts.start_commands], ["Procfile"])
        self.assertIn("deploy_wsgi.E012", ids(messages))


class CommandTextTests(SimpleTestCase):
    def test_what_a_command_runs(self) -> None:
        rows = [
            ("gunicorn mysite.wsgi -w3 -b :$PORT", ("gunicorn", "mysite.wsgi", (":$PORT",), 3, False)),
            ("python -m gunicorn --preload mysite.wsgi:application", ("gunicorn", "mysite.wsgi:application", (), None, False)),
            ("exec poetry run gunicorn mysite.wsgi", ("gunicorn", "mysite.wsgi", (), None, False)),
            ("newrelic-admin run-program gunicorn --workers=5 m.wsgi", ("gunicorn", "m.wsgi", (), 5, False)),
            ("python manage.py migrate && python manage.py runserver 0.0.0.0:$PORT", ("runserver", None, ("0.0.0.0:$PORT",), None, True)),
            ("sh -c 'django-admin migrate; gunicorn m.wsgi'", ("gunicorn", "m.wsgi", (), None, True)),
            (
                "uvicorn --proxy-headers m.asgi:application --host 0.0.0.0 --port 8000",
                ("uvicorn", "m.asgi:application", ("0.0.0.0:8000",), None, False),
            ),
            ("daphne -b 0.0.0.0 -p $PORT m.asgi:application", ("daphne", "m.asgi:application", ("0.0.0.0:$PORT",), None, False)),
            ("uwsgi --http :8000 --module m.wsgi --processes 4 --master", ("uwsgi", "m.wsgi", (":8000",), 4, False)),
            ("waitress-serve --listen=*:8080 m.wsgi:application", ("waitress", "m.wsgi:application", ("*:8080",), None, False)),
            ("celery -A m worker", (None, None, (), None, False)),
        ]
        for text, expected in rows:
            with self.subTest(text):
                found = commands.analyse(text)
                self.assertEqual((found.server, found.application_path, found.binds, found.workers, found.runs_migrate), expected)

    def test_gunicorn_options_as_gunicorn_reads_them(self) -> None:
        # (words after gunicorn, (application path, binds, workers, workers from, threads, worker class, config, chdir))
        rows = [
            ("-w3 -b :$PORT -b unix:/run/g.sock m.wsgi", ("m.wsgi", (":$PORT", "unix:/run/g.sock"), 3, None, None, None, None, None)),
            ("--workers=${WEB_CONCURRENCY:-3} m.wsgi", ("m.wsgi", (), None, "${WEB_CONCURRENCY:-3}", None, None, None, None)),
            ("-c conf.py -k gthread --threads 4 --chdir src m.wsgi", ("m.wsgi", (), None, None, 4, "gthread", "conf.py", "src")),
            # Flags take no value; an abbreviation gunicorn accepts is read as gunicorn reads it.
            ("--preload --reload m.wsgi --threa 2", ("m.wsgi", (), None, None, 2, None, None, None)),
            ("--version m.wsgi", ("m.wsgi", (), None, None, None, None, None, None)),
            # gunicorn refuses these before it serves anything: nothing is read from them.
            ("--no-such-option x m.wsgi", (None, (), None, None, None, None, None, None)),
            ("--work 3 m.wsgi", (None, (), None, None, None, None, None, None)),
            ("m.wsgi --workers", (None, (), None, None, None, None, None, None)),
        ]
        for words, expected in rows:
            with self.subTest(words):
                found = commands.analyse(f"gunicorn {words}")
                self.assertEqual(found.server, "gunicorn")
                self.assertEqual(
                    (
                        found.application_path,
                        found.binds,
                        found.workers,
                        found.workers_from,
                        found.threads,
                        found.worker_class,
                        found.config_file,
                        found.chdir,
                    ),
                    expected,
                )

    def test_shell_syntax_without_a_shell(self) -> None:
        self.assertEqual(commands.analyse(["gunicorn", "--bind", "0.0.0.0:$PORT", "m.wsgi"], shell=False).unexpanded, ("$PORT",))
        self.assertEqual(commands.analyse("python manage.py migrate && gunicorn m.wsgi", shell=False).unexpanded, ("&&",))
        self.assertEqual(commands.analyse("gunicorn m.wsgi --bind 0.0.0.0:$PORT", shell=True).unexpanded, ())


GOOD_PROCFILE = "web: gunicorn tests.wsgi --workers 3\n"


class StartCommandCheckTests(SimpleTestCase):
    """Each check fires on the project that has the problem and stays quiet on the one without."""

    def assert_check(self, check_id: str, files: dict[str, str], *, fires: bool, platform: str | None = None, **settings: object) -> None:
        with project_with(files) as project, override_settings(**settings):
            _, messages = inspect(project, platform=platform)
        if fires:
            self.assertIn(check_id, ids(messages), messages)
        else:
            self.assertNotIn(check_id, ids(messages), messages)

    def test_w002_runserver(self) -> None:
        self.assert_check("deploy_wsgi.E002", {"Procfile": "web: python manage.py runserver 0.0.0.0:$PORT\n"}, fires=True)
        self.assert_check("deploy_wsgi.E002", {"Procfile": GOOD_PROCFILE}, fires=False)

    def test_w003_path_other_than_wsgi_application(self) -> None:
        other = {"Procfile": "web: gunicorn tests.concerns.wsgi.apps:application\n"}
        self.assert_check("deploy_wsgi.E003", other, fires=True)
        self.assert_check("deploy_wsgi.E003", {"Procfile": "web: gunicorn tests.wsgi:application\n"}, fires=False)
        self.assert_check("deploy_wsgi.E003", {"Procfile": GOOD_PROCFILE}, fires=False)
        # A path that does not load at all is E005's, once.
        self.assert_check("deploy_wsgi.E003", {"Procfile": "web: gunicorn tests.wgsi\n"}, fires=False)

    def test_w004_migrate_in_the_web_process(self) -> None:
        self.assert_check("deploy_wsgi.W004", {"Procfile": "web: python manage.py migrate && gunicorn tests.wsgi\n"}, fires=True)
        with copied_fixture("start_commands", "dockerfile") as project:
            # The entrypoint script migrates at every container start.
            _, messages = inspect(project)
        self.assertIn("deploy_wsgi.W004", ids(messages))
        self.assert_check("deploy_wsgi.W004", {"Procfile": "release: python manage.py migrate\n" + GOOD_PROCFILE}, fires=False)

    def test_w005_application_that_does_not_load(self) -> None:
        rows = [
            ("typo, checked by gunicorn", {"Procfile": "web: gunicorn tests.wgsi\n"}, True),
            ("attribute, checked by gunicorn", {"Procfile": "web: gunicorn tests.wsgi:app\n"}, True),
            ("ASGI server, checked here", {"Procfile": "web: uvicorn tests.asgii:application --host 0.0.0.0 --port $PORT\n"}, True),
            (
                "project one directory down",
                {
                    "Procfile": "web: gunicorn shopapp.wsgi\n",
                    "src/shopapp/__init__.py": "",
                    "src/shopapp/wsgi.py": "from tests.wsgi import application\n",
                },
                True,
            ),
            (
                "the same, with --chdir",
                {
                    "Procfile": "web: gunicorn --chdir src shopapp.wsgi\n",
                    "src/shopapp/__init__.py": "",
                    "src/shopapp/wsgi.py": "from tests.wsgi import application\n",
                },
                False,
            ),
            ("correct path", {"Procfile": GOOD_PROCFILE}, False),
        ]
        for name, files, fires in rows:
            with self.subTest(name):
                self.assert_check("deploy_wsgi.E005", files, fires=fires)

    def test_w010_listening_where_the_platform_sends_requests(self) -> None:
        rows = [
            ("heroku", "web: gunicorn tests.wsgi --bind 127.0.0.1:8000\n", True),
            ("heroku", "web: gunicorn tests.wsgi --bind 0.0.0.0:8000\n", True),
            ("heroku", "web: uvicorn tests.concerns.wsgi.apps:asgi_application\n", True),
            ("heroku", "web: gunicorn tests.wsgi --bind 0.0.0.0:$PORT\n", False),
            # gunicorn listens on 0.0.0.0:$PORT by itself when PORT is set.
            ("heroku", "web: gunicorn tests.wsgi\n", False),
            ("vps", "web: gunicorn tests.wsgi --bind 127.0.0.1:8000\n", False),
        ]
        for platform, procfile, fires in rows:
            with self.subTest(procfile):
                self.assert_check("deploy_wsgi.E010", {"Procfile": procfile}, fires=fires, platform=platform)

    def test_w010_fly_internal_port(self) -> None:
        fly = '[processes]\napp = "gunicorn tests.wsgi --bind 0.0.0.0:{port}"\n[http_service]\ninternal_port = 8080\n'
        self.assert_check("deploy_wsgi.E010", {"fly.toml": fly.format(port=8000)}, fires=True, platform="fly")
        self.assert_check("deploy_wsgi.E010", {"fly.toml": fly.format(port=8080)}, fires=False, platform="fly")

    def test_w010_container_default_bind(self) -> None:
        dockerfile = "FROM python:3.12\nWORKDIR /app\nCOPY . /app\n{env}CMD gunicorn tests.wsgi\n"
        self.assert_check("deploy_wsgi.E010", {"Dockerfile": dockerfile.format(env="")}, fires=True, platform="container")
        self.assert_check("deploy_wsgi.E010", {"Dockerfile": dockerfile.format(env="ENV PORT=8000\n")}, fires=False, platform="container")

    def test_w011_one_sync_worker(self) -> None:
        rows = [
            ("web: gunicorn tests.wsgi --workers 1\n", {}, True),
            ("web: gunicorn tests.wsgi\n", {"gunicorn.conf.py": "workers = 1\n"}, True),
            ("web: gunicorn tests.wsgi --workers 1 --threads 4\n", {}, False),
            ("web: gunicorn tests.wsgi --workers 3\n", {}, False),
            ("web: gunicorn tests.wsgi --workers $WEB_CONCURRENCY\n", {}, False),
            # One worker only where WEB_CONCURRENCY is unset, as here; Heroku and others set it.
            ("web: gunicorn tests.wsgi\n", {"gunicorn.conf.py": 'import os\nworkers = int(os.environ.get("WEB_CONCURRENCY", 1))\n'}, False),
        ]
        for procfile, extra, fires in rows:
            with self.subTest(procfile, **extra):
                self.assert_check("deploy_wsgi.W011", {"Procfile": procfile, **extra}, fires=fires)

    def test_w013_channels_served_by_wsgi(self) -> None:
        layers = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        self.assert_check("deploy_wsgi.W013", {"Procfile": GOOD_PROCFILE}, fires=True, CHANNEL_LAYERS=layers)
        asgi = "web: daphne -b 0.0.0.0 -p $PORT tests.concerns.wsgi.apps:asgi_application\n"
        self.assert_check("deploy_wsgi.W013", {"Procfile": asgi}, fires=False, CHANNEL_LAYERS=layers)
        self.assert_check("deploy_wsgi.W013", {"Procfile": GOOD_PROCFILE}, fires=False)

    def test_w014_shell_syntax_without_a_shell(self) -> None:
        rows = [
            ({"Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "tests.wsgi", "--bind", "0.0.0.0:$PORT"]\n'}, True),
            ({"compose.yaml": "services:\n  web:\n    command: python manage.py migrate && gunicorn tests.wsgi\n"}, True),
            ({"Dockerfile": "FROM python:3.12\nCMD gunicorn tests.wsgi --bind 0.0.0.0:$PORT\n"}, False),
            ({"Dockerfile": 'FROM python:3.12\nCMD ["sh", "-c", "exec gunicorn tests.wsgi --bind 0.0.0.0:$PORT"]\n'}, False),
        ]
        for files, fires in rows:
            with self.subTest(files):
                self.assert_check("deploy_wsgi.E014", files, fires=fires)
