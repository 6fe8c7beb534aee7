"""Web server configurations kept in the project (nginx, Apache, Caddy): what they pass to Django.

Docs: docs/checks/webserver.rst (E009, W010); nginx: https://nginx.org/en/docs/http/ngx_http_proxy_module.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts.server_configs import (
    MAX_CONFIG_BYTES,
    MAX_CONFIGS,
    NGINX_DEFAULT_BODY_LIMIT,
    ProxyConfig,
    candidate_server,
    collect_proxy_configs,
    parse_apache,
    parse_caddy,
    parse_nginx,
    parse_size,
    read_config,
)

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.webserver import Facts

__all__ = [
    "MAX_CONFIGS",
    "MAX_CONFIG_BYTES",
    "NGINX_DEFAULT_BODY_LIMIT",
    "ProxyConfig",
    "candidate_server",
    "check_proxy_passes_host",
    "check_upload_body_limit",
    "collect_proxy_configs",
    "e009",
    "parse_apache",
    "parse_caddy",
    "parse_nginx",
    "parse_size",
    "read_config",
    "w010",
]

DJANGO_DEFAULT_UPLOAD_SIZE = 2_621_440


def needed_body_size(facts: Facts) -> int:
    """The largest request body Django accepts by its own settings (files are never limited by it)."""
    sizes = [size for size in (facts.serving.data_upload_max_memory_size, facts.serving.file_upload_max_memory_size) if size]
    return max(sizes, default=DJANGO_DEFAULT_UPLOAD_SIZE)


def megabytes(size: int) -> str:
    return f"{size / 1024**2:g} MB"


# Checks -------------------------------------------------------------------------------------------


def e009(config: ProxyConfig) -> Error:
    fix = "proxy_set_header Host $http_host;" if config.server == "nginx" else "ProxyPreserveHost On"
    return Error(
        f"{config.path} proxies to Django without passing the Host header.",
        hint=f"Add {fix}, or Django sees the upstream's name and answers Bad Request (400).",
        obj=config.path,
        id="deploy_webserver.E009",
    )


def check_proxy_passes_host(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for config in facts.proxies:
        if config.server not in ("nginx", "apache") or not config.proxies_to_app or config.sets_host:
            continue
        # Apache's mod_proxy sets X-Forwarded-Host, which Django reads with USE_X_FORWARDED_HOST.
        if config.server == "apache" and facts.hosts.use_x_forwarded_host:
            continue
        messages.append(e009(config))
    return messages


def w010(config: ProxyConfig, limit: int, needed: int) -> Warning:
    return Warning(
        f"{config.path} limits request bodies to {megabytes(limit)}; larger uploads get 413.",
        hint=f"Set client_max_body_size {-(-needed // 1024**2)}m; or more (nginx answers 413 Request Entity Too Large).",
        obj=config.path,
        id="deploy_webserver.W010",
    )


def check_upload_body_limit(facts: Facts) -> list[CheckMessage]:
    if not facts.media.local_file_fields:
        return []
    needed = needed_body_size(facts)
    messages: list[CheckMessage] = []
    for config in facts.proxies:
        if config.server != "nginx" or not config.proxies_to_app:
            continue
        limit = NGINX_DEFAULT_BODY_LIMIT if config.body_limit is None else config.body_limit
        if limit != 0 and limit < needed:
            messages.append(w010(config, limit, needed))
    return messages
