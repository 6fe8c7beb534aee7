"""The YAML, TOML and requirements readers over PyYAML, tomllib and packaging, with their lines and bounds."""

from __future__ import annotations

from django.test import SimpleTestCase

from django_deploy_concepts import formats


def scalar_at(node: formats.YamlNode | None, *path: str | int) -> formats.YamlScalar:
    for step in path:
        if isinstance(step, int):
            assert isinstance(node, formats.YamlList)
            node = node.items[step]
        else:
            assert isinstance(node, formats.YamlMap)
            node = node.get(step)
    assert isinstance(node, formats.YamlScalar), node
    return node


class YamlTests(SimpleTestCase):
    def test_values_and_their_lines(self) -> None:
        rows = [
            ("key: value\n", ("key",), "value", 1),
            ("# comment\nkey: 'it''s'  # trailing\n", ("key",), "it's", 2),
            ('a:\n  b: "x \\"y\\""\n', ("a", "b"), 'x "y"', 2),
            ("a:\n- one\n- two\n", ("a", 1), "two", 3),
            ("services:\n  - type: web\n    startCommand: gunicorn x.wsgi\n", ("services", 0, "startCommand"), "gunicorn x.wsgi", 3),
            ('cmd: >\n  sh -c "a &&\n  b"\nnext: 1\n', ("cmd",), 'sh -c "a && b"\n', 1),
            ("cmd: |\n  line one\n  # kept\nnext: 1\n", ("cmd",), "line one\n# kept\n", 1),
            ("base: &base\n  image: x\nweb:\n  <<: *base\n  command: run\n", ("web", "image"), "x", 2),
            ("list: [a, 'b c', \"d\"]\n", ("list", 1), "b c", 1),
            ("flow: {port: 8000, host: h}\n", ("flow", "host"), "h", 1),
            ("---\nkey: ~\n", ("key",), None, 2),
            ("url: http://x/#frag\n", ("url",), "http://x/#frag", 1),
        ]
        for text, path, value, line in rows:
            with self.subTest(text=text):
                node = scalar_at(formats.read_yaml(text), *path)
                self.assertEqual((node.value, node.line), (value, line))

    def test_exec_form_lists(self) -> None:
        document = formats.read_yaml('command: ["gunicorn", "x.wsgi", "--bind", "0.0.0.0:8000"]\n')
        assert isinstance(document, formats.YamlMap)
        self.assertEqual(formats.yaml_words(document.get("command")), ["gunicorn", "x.wsgi", "--bind", "0.0.0.0:8000"])
        self.assertEqual(formats.yaml_text(document.get("command")), "gunicorn x.wsgi --bind 0.0.0.0:8000")

    def test_malformed_documents_name_the_line(self) -> None:
        rows = [
            ("a:\n\tb: 1\n", 2),
            ("a:\n  b: 1\n   c: 2\n", 3),
            ("a: 'open\n", 1),
            ("a: [1, 2\n", 1),
            ("a: *missing\n", 1),
            ("a:\n  just text\n  b: 1\n", 3),
            ("a: 'x' y\n", 1),
        ]
        for text, line in rows:
            with self.subTest(text=text), self.assertRaises(formats.FormatError) as caught:
                formats.read_yaml(text)
            self.assertEqual(caught.exception.line, line)

    def test_empty_document(self) -> None:
        self.assertIsNone(formats.read_yaml("# nothing\n"))

    def test_block_scalars_read_as_commands_without_their_final_newline(self) -> None:
        document = formats.read_yaml("start: |\n  gunicorn x.wsgi\n")
        assert isinstance(document, formats.YamlMap)
        self.assertEqual(formats.yaml_text(document.get("start")), "gunicorn x.wsgi")

    def test_merge_keys_from_a_list_of_aliases(self) -> None:
        text = (
            "x-web: &web\n  command: gunicorn x.wsgi\n  ports: ['8000']\n"
            "x-image: &img\n  image: blog\n  command: overridden by web\n"
            "services:\n  app:\n    <<: [*web, *img]\n    environment: {PORT: '8000'}\n"
        )
        app = scalar_at(formats.read_yaml(text), "services", "app", "command")
        self.assertEqual((app.value, app.line), ("gunicorn x.wsgi", 2))
        self.assertEqual(scalar_at(formats.read_yaml(text), "services", "app", "image").value, "blog")

    def test_byte_order_mark(self) -> None:
        node = scalar_at(
            formats.read_yaml("\ufeffservices:\n  - type: web\n    startCommand: gunicorn x.wsgi\n"), "services", 0, "startCommand"
        )
        self.assertEqual((node.value, node.line), ("gunicorn x.wsgi", 3))

    def test_alias_bomb_stops_at_the_node_cap(self) -> None:
        # Nine levels of nine aliases: 9**9 values from under 1 KB. The reader stops past its cap.
        lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        lines += [f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 10)]
        text = "\n".join(lines) + "\n"
        self.assertLess(len(text), 1024)
        with self.assertRaises(formats.FormatError) as caught:
            formats.read_yaml(text)
        self.assertIn(f"more than {formats.MAX_YAML_NODES} values", str(caught.exception))

    def test_an_alias_inside_its_own_anchor(self) -> None:
        with self.assertRaises(formats.FormatError):
            formats.read_yaml("a: &a [1, *a]\n")

    def test_unclosed_quotes_and_flow_lists_in_a_large_file(self) -> None:
        # The hand-written reader took 37 s on such a 160 KB render.yaml (quadratic); PyYAML reads it once.
        for opener in ("'", '"', "[", "{"):
            text = "services:\n  - type: web\n    startCommand: " + opener + "gunicorn x.wsgi\n" + "      --workers 3\n" * 10_000
            with self.subTest(opener=opener), self.assertRaises(formats.FormatError) as caught:
                formats.read_yaml(text)
            self.assertEqual(caught.exception.line, 3)

    def test_size_cap(self) -> None:
        with self.assertRaises(formats.FormatError):
            formats.read_yaml("a: '" + "x" * formats.MAX_TEXT_CHARS + "\n")
        with self.assertRaises(formats.FormatError):
            formats.read_toml("a = '" + "x" * formats.MAX_TEXT_CHARS + "'\n")

    def test_control_characters_are_a_format_error(self) -> None:
        with self.assertRaises(formats.FormatError):
            formats.read_yaml("a: \x00\n")


class TomlTests(SimpleTestCase):
    DOCUMENT = (
        'app = "blog"\n'
        "[processes]\n"
        '  app = "gunicorn x.wsgi"  # web\n'
        "  worker = '''\n"
        "python manage.py rqworker'''\n"
        "[http_service]\n"
        "  internal_port = 8_080\n"
        "  force_https = true\n"
        '  processes = ["app",\n    "web"]\n'
        "[[services]]\n"
        "  internal_port = 8000\n"
        "[[services]]\n"
        "  ratio = 0.5\n"
        'inline = {a = "b"}\n'
    )
    EXPECTED = {
        "app": "blog",
        "processes": {"app": "gunicorn x.wsgi", "worker": "python manage.py rqworker"},
        "http_service": {"internal_port": 8080, "force_https": True, "processes": ["app", "web"]},
        "services": [{"internal_port": 8000}, {"ratio": 0.5, "inline": {"a": "b"}}],
    }

    def test_read(self) -> None:
        # tomllib, or tomli on Python 3.10.
        self.assertEqual(formats.read_toml(self.DOCUMENT), self.EXPECTED)
        self.assertEqual(formats.read_toml("\ufeff" + self.DOCUMENT), self.EXPECTED)

    def test_key_lines(self) -> None:
        lines = formats.toml_key_lines(self.DOCUMENT)
        self.assertEqual(lines[("processes", "app")], 3)
        self.assertEqual(lines[("http_service", "internal_port")], 7)
        self.assertEqual(lines[("services", "0", "internal_port")], 12)
        self.assertEqual(lines[("services", "1", "ratio")], 14)

    def test_malformed_documents_raise_format_error(self) -> None:
        rows = ['[start\ncmd = "x"\n', 'cmd "x"\n', 'cmd = "open\n', "cmd = [1, 2\n", "a = 1\na = 2\n", "a = what\n"]
        for text in rows:
            with self.subTest(text=text), self.assertRaises(formats.FormatError):
                formats.read_toml(text)


class RequirementsTests(SimpleTestCase):
    def test_lines_after_continuations(self) -> None:
        text = (
            "whitenoise==6.7 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\ndjango>=5.2  # the framework\n# comment \\\n\ngunicorn\n"
        )
        self.assertEqual(
            list(formats.pip_lines(text)),
            [(1, "whitenoise==6.7     --hash=sha256:abc     --hash=sha256:def"), (4, "django>=5.2"), (7, "gunicorn")],
        )

    def test_markers_on_linux(self) -> None:
        rows = [
            (None, True),
            ('sys_platform == "win32"', False),
            ('sys_platform == "linux"', True),
            ("platform_system != 'Windows'", True),
            ('os_name == "nt"', False),
            ('extra == "dev"', False),
            ("python_version >= '3'", True),
            ("not a marker", True),
        ]
        for marker, expected in rows:
            with self.subTest(marker=marker):
                self.assertIs(formats.on_linux(marker), expected)
