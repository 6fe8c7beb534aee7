"""Run in a child process, with the rehearsal's settings: the URLs to visit, as JSON on stdout.

``python -m django_deploy_concepts.rehearsal.list_urls``: every URL pattern that takes no
arguments, and the admin's login page. The project's URLconf is imported here, never in the
process that runs the rehearsal.
"""

from __future__ import annotations

import json
import sys
from typing import Any

MAX_PATHS = 500
# Escapes a literal regex route may hold; anything else that is special makes it take arguments.
ESCAPES = {"\\.": ".", "\\-": "-", "\\/": "/", "\\_": "_"}
SPECIAL = set("()[]{}?*+|\\^$")


def route_text(pattern: Any) -> str | None:
    """The literal text a pattern matches, or None when it takes arguments (or cannot be known)."""
    from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

    if isinstance(pattern, LocalePrefixPattern):
        return str(pattern.language_prefix)
    if isinstance(pattern, RoutePattern):
        return None if pattern.converters else str(pattern)
    if isinstance(pattern, RegexPattern):
        text = str(pattern).removeprefix("^").removesuffix("$").removeprefix("\\A").removesuffix("\\Z")
        for escaped, plain in ESCAPES.items():
            text = text.replace(escaped, plain)
        return None if SPECIAL & set(text) else text
    return None


def walk(patterns: Any, prefix: str, found: list[str], depth: int = 0) -> None:
    from django.urls import URLResolver

    if depth > 10:
        return
    for entry in patterns:
        if len(found) >= MAX_PATHS:
            return
        text = route_text(entry.pattern)
        if text is None:
            continue
        if isinstance(entry, URLResolver):
            walk(entry.url_patterns, prefix + text, found, depth + 1)
        elif "<" not in text:
            found.append("/" + prefix + text)


def main() -> None:
    import django

    django.setup()
    from django.apps import apps
    from django.urls import get_resolver, reverse

    answer: dict[str, Any] = {"paths": [], "admin_login": None, "errors": []}
    found: list[str] = []
    try:
        walk(get_resolver().url_patterns, "", found)
    except Exception as exc:  # noqa: BLE001 - the URLconf's own error is what the requests will meet
        answer["errors"].append(f"the URLconf could not be read: {type(exc).__name__}: {exc}")
    answer["paths"] = list(dict.fromkeys(found))
    if apps.is_installed("django.contrib.admin"):
        try:
            answer["admin_login"] = reverse("admin:login")
        except Exception as exc:  # noqa: BLE001
            answer["errors"].append(f"the admin's login URL could not be found: {type(exc).__name__}: {exc}")
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
