"""Web server configurations in the project: the request body limit where nginx proxies to Django."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.test import SimpleTestCase, override_settings

from django_deploy_concepts.concerns import webserver
from django_deploy_concepts.concerns.webserver import proxies
from django_deploy_concepts.context import build_context

MB = 1024**2
STATIC_ONLY_LARGE = """
server {
    listen 80;
    location /static/ { client_max_body_size 100m; alias /srv/blog/staticfiles/; }
    location / {
        proxy_pass http://unix:/run/gunicorn.sock;
        proxy_set_header Host $http_host;
    }
}
"""
SERVER_LARGE = STATIC_ONLY_LARGE.replace("listen 80;", "listen 80; client_max_body_size 20m;")


class NginxBodyLimitTests(SimpleTestCase):
    def test_the_limit_of_each_proxying_block(self) -> None:
        rows = [
            # A larger limit in a block that does not proxy leaves the proxied one at nginx's default.
            ("another location's limit", STATIC_ONLY_LARGE, None),
            ("inherited from server", SERVER_LARGE, 20 * MB),
            ("inherited from http", "http { client_max_body_size 0; server { location / { proxy_pass http://app; } } }", 0),
            (
                "the smallest of two proxying locations",
                "server { client_max_body_size 20m; location / { proxy_pass http://a; } location /x/ { client_max_body_size 2m; proxy_pass http://a; } }",
                2 * MB,
            ),
            (
                "another server's limit",
                "server { location / { client_max_body_size 8m; proxy_pass http://a; } }\nserver { client_max_body_size 50m; return 404; }",
                8 * MB,
            ),
            ("written after proxy_pass, quoted", "server { location / { proxy_pass http://a; } client_max_body_size '10M'; }", 10 * MB),
            (
                "unlimited beats the default",
                "server { location / { proxy_pass http://a; } location /u/ { client_max_body_size 0; proxy_pass http://a; } }",
                None,
            ),
            ("no proxy_pass", "server { client_max_body_size 5m; }", None),
        ]
        for label, text, expected in rows:
            with self.subTest(label):
                self.assertEqual(proxies.parse_nginx("nginx.conf", text).body_limit, expected)

    def test_w010_judges_the_block_that_proxies(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            for text, fires in ((STATIC_ONLY_LARGE, True), (SERVER_LARGE, False)):
                (Path(directory) / "nginx.conf").write_text(text)
                with (
                    self.subTest(fires=fires),
                    override_settings(BASE_DIR=Path(directory), MEDIA_ROOT="/srv/blog/media", MEDIA_URL="/media/"),
                ):
                    facts = webserver.collect_facts(build_context(environ={}))
                    [config] = facts.proxies
                    expected = [webserver.w010(config, MB, 2_621_440)] if fires else []
                    self.assertEqual(webserver.check_upload_body_limit(facts), expected)
