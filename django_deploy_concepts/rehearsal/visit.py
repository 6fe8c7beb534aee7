"""Requests the way production's front sends them, to 127.0.0.1 only: the public Host, the
forwarded scheme and address, cookies kept like a browser, redirects followed with loop detection;
and what a page references (links, static files, the login form's CSRF token)."""

from __future__ import annotations

import dataclasses
import http.client
import re
import ssl
import time
import urllib.parse
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie

from django_deploy_concepts.helpers import describe_exception

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 10
USER_AGENT = "django-deploy-concepts rehearse_deploy"
# A client address as a router passes it on (TEST-NET-3, never routed).
CLIENT_ADDRESS = "203.0.113.10"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Django's DEBUG pages (technical 404 and 500) all say this.
DEBUG_PAGE_MARKER = b"<code>DEBUG = True</code>"


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    seconds: float
    error: str | None = None

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


@dataclasses.dataclass(frozen=True)
class Followed:
    """A request and the redirects it led to."""

    answer: Answer
    # Every URL requested, the first one included.
    chain: tuple[str, ...]
    loop: bool = False

    @property
    def final_url(self) -> str:
        return self.chain[-1]


class Front:
    """Production's front for one rehearsal: where requests go, and the headers it adds."""

    def __init__(self, port: int, host: str, *, forwards: bool, timeout: float, scheme: str = "https", tls: bool = False) -> None:
        self.port = port
        self.host = host
        # Speak TLS to the port (a web server of the rehearsal's own, with a throwaway certificate).
        self.tls = tls
        # The scheme browsers use: https behind a proxy that ends TLS, http with no proxy at all.
        self.scheme = scheme
        # True when the rehearsal itself plays the router (no web server of ours in front).
        self.forwards = forwards
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"

    def send(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None, timeout: float | None = None
    ) -> Answer:
        parts = urllib.parse.urlsplit(url)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        sent = {"Host": self.host, "User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.8", "Accept-Encoding": "identity"}
        if self.forwards:
            sent["X-Forwarded-Proto"] = parts.scheme or "https"
            sent["X-Forwarded-For"] = CLIENT_ADDRESS
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent.update(headers or {})
        started = time.monotonic()
        connection = self.connection(timeout or self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read(MAX_BODY_BYTES)
            answer = Answer(response.status, tuple(response.getheaders()), data, time.monotonic() - started)
        except TimeoutError:
            return Answer(None, (), b"", time.monotonic() - started, f"no answer within {timeout or self.timeout:g} seconds")
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, (), b"", time.monotonic() - started, describe_exception(exc).rstrip(": "))
        finally:
            connection.close()
        self.keep_cookies(answer)
        return answer

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if not self.tls:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        # The rehearsal's own throwaway certificate on 127.0.0.1: nothing to verify it against.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=context)

    def keep_cookies(self, answer: Answer) -> None:
        for name, value in answer.headers:
            if name.lower() != "set-cookie":
                continue
            try:
                cookie = SimpleCookie(value)
            except CookieError:
                continue
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value

    def follow(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None, timeout: float | None = None
    ) -> Followed:
        chain = [url]
        seen = {url}
        answer = self.send(method, url, headers=headers, body=body, timeout=timeout)
        while answer.status in REDIRECT_STATUSES and answer.header("Location"):
            target = urllib.parse.urljoin(chain[-1], answer.header("Location") or "")
            parts = urllib.parse.urlsplit(target)
            if (parts.hostname or "").lower() != self.host.lower() or parts.scheme not in ("http", "https"):
                # A redirect to another host is not followed: the rehearsal talks to loopback only.
                return Followed(answer, tuple(chain))
            target = urllib.parse.urlunsplit((parts.scheme, self.host, parts.path, parts.query, ""))
            chain.append(target)
            if target in seen or len(chain) > MAX_REDIRECTS:
                return Followed(answer, tuple(chain), loop=True)
            seen.add(target)
            if answer.status in (301, 302, 303):
                method, body = "GET", None
            answer = self.send(method, target, headers=headers, body=body, timeout=timeout)
        return Followed(answer, tuple(chain))


class PageParser(HTMLParser):
    """The URLs a page references, and the CSRF token of its first form."""

    URL_ATTRIBUTES = {"a": ("href",), "link": ("href",), "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset")}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.csrf_token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if tag == "input" and values.get("name") == "csrfmiddlewaretoken" and self.csrf_token is None:
            self.csrf_token = values.get("value")
        for name in self.URL_ATTRIBUTES.get(tag, ()):
            value = values.get(name)
            if not value:
                continue
            urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value.strip()]
            target = self.links if tag == "a" else self.assets
            if tag == "link" and "stylesheet" not in values.get("rel", "") and "icon" not in values.get("rel", ""):
                target = self.links if values.get("rel") in ("alternate", "next", "prev") else self.assets
            target.extend(url for url in urls if url)


def parse_page(body: bytes) -> PageParser:
    parser = PageParser()
    try:
        parser.feed(body.decode("utf-8", errors="replace"))
        parser.close()
    except AssertionError:  # html.parser's own complaint on broken markup: what was read counts
        pass
    return parser


def same_host_path(reference: str, page_url: str, host: str) -> str | None:
    """The path (with query) of a reference on the same host, or None (another host, mailto:, #...)."""
    target = urllib.parse.urljoin(page_url, reference)
    parts = urllib.parse.urlsplit(target)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != host.lower():
        return None
    return urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))


def stylesheet_references(text: str) -> list[str]:
    """The URLs a stylesheet references (url(), @import, source maps), found with the patterns
    Django's manifest storage rewrites them with."""
    from django.contrib.staticfiles.storage import HashedFilesMixin

    found: list[str] = []
    for extension, entries in HashedFilesMixin.patterns:
        if extension != "*.css":
            continue
        for entry in entries:
            pattern = entry[0] if isinstance(entry, (tuple, list)) else entry
            for match in re.finditer(pattern, text, re.IGNORECASE):
                url = (match.groupdict().get("url") or "").strip()
                if url and not url.startswith(("data:", "#")):
                    found.append(url)
    return found


def is_css(answer: Answer) -> bool:
    return "text/css" in (answer.header("Content-Type") or "")


def is_html(answer: Answer) -> bool:
    return "html" in (answer.header("Content-Type") or "")


def shows_debug_page(answer: Answer) -> bool:
    return DEBUG_PAGE_MARKER in answer.body
