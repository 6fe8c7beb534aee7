"""The tolerant YAML and TOML readers start commands are read with."""

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
            ('cmd: >\n  sh -c "a &&\n  b"\nnext: 1\n', ("cmd",), 'sh -c "a && b"', 1),
            ("cmd: |\n  line one\n  # kept\nnext: 1\n", ("cmd",), "line one\n# kept", 1),
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
            ("a:\n  just text\n  b: 1\n", 2),
            ("a: 'x' y\n", 1),
        ]
        for text, line in rows:
            with self.subTest(text=text), self.assertRaises(formats.FormatError) as caught:
                formats.read_yaml(text)
            self.assertEqual(caught.exception.line, line)

    def test_empty_document(self) -> None:
        self.assertIsNone(formats.read_yaml("# nothing\n"))


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

    def test_both_readers_agree(self) -> None:
        # read_toml uses tomllib where Python has it; the minimal reader serves Python 3.10.
        self.assertEqual(formats.read_toml(self.DOCUMENT), self.EXPECTED)
        self.assertEqual(formats.read_minimal_toml(self.DOCUMENT), self.EXPECTED)

    def test_key_lines(self) -> None:
        lines = formats.toml_key_lines(self.DOCUMENT)
        self.assertEqual(lines[("processes", "app")], 3)
        self.assertEqual(lines[("http_service", "internal_port")], 7)
        self.assertEqual(lines[("services", "0", "internal_port")], 12)
        self.assertEqual(lines[("services", "1", "ratio")], 14)

    def test_malformed_documents_raise_format_error(self) -> None:
        rows = ['[start\ncmd = "x"\n', 'cmd "x"\n', 'cmd = "open\n', "cmd = [1, 2\n", "a = 1\na = 2\n", "a = what\n"]
        for text in rows:
            for reader in (formats.read_toml, formats.read_minimal_toml):
                with self.subTest(text=text, reader=reader), self.assertRaises(formats.FormatError):
                    reader(text)
