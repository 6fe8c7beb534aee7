"""The web server concern's facts: the platform's router, HTTPS, hosts, media and the project's server configs.

A leaf: dataclasses only (ProxyConfig, a parsed server config, comes from the leaf server_configs.py).
"""

from __future__ import annotations

import dataclasses

from django_deploy_concepts.platforms import Platform
from django_deploy_concepts.server_configs import ProxyConfig


@dataclasses.dataclass(frozen=True)
class ServingFacts:
    """What a web server config and a gunicorn service need from the project."""

    project_name: str
    base_dir: str
    settings_module: str
    wsgi_application: str | None
    static_url: str | None
    static_root: str | None
    data_upload_max_memory_size: int | None
    file_upload_max_memory_size: int | None
    # gunicorn next to the running Python, when it is installed there.
    gunicorn_path: str | None


@dataclasses.dataclass(frozen=True)
class HostFacts:
    public_hostname: str | None
    # The environment variable the public hostname was read from.
    public_hostname_source: str | None
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]
    use_x_forwarded_host: bool
    # The public hostnames declared in DEPLOY_CONCEPTS['hosts'] (or --host).
    declared_hosts: tuple[str, ...] = ()
    # DEBUG is False: ALLOWED_HOSTS is enforced (with DEBUG on, localhost names pass).
    debug_off: bool = False


@dataclasses.dataclass(frozen=True)
class HttpsFacts:
    secure_ssl_redirect: bool
    # The (META key, value) pair Django trusts, or None when unset or unusable (see the error).
    proxy_ssl_header: tuple[str, str] | None
    # repr() of a SECURE_PROXY_SSL_HEADER that is set but not a (str, str) pair.
    proxy_ssl_header_malformed: str | None
    security_middleware: bool


@dataclasses.dataclass(frozen=True)
class MediaFacts:
    media_root: str | None
    media_url: str | None
    # "app_label.Model.field" of each FileField/ImageField whose storage writes to the local disk.
    local_file_fields: tuple[str, ...]
    # The same for fields stored elsewhere (object storage and other custom backends).
    remote_file_fields: tuple[str, ...]
    default_storage: str


@dataclasses.dataclass(frozen=True)
class Facts:
    # The detected or declared platform's row of platforms.PLATFORMS, and why it was chosen.
    platform: Platform
    platform_evidence: tuple[str, ...]
    https: HttpsFacts
    hosts: HostFacts
    media: MediaFacts
    # Web server configurations kept in the project tree.
    proxies: tuple[ProxyConfig, ...]
    serving: ServingFacts
    errors: tuple[str, ...]
    # Declared in DEPLOY_CONCEPTS (or on the command line): where the proxy runs, who serves uploads.
    proxy: str | None = None
    media_served_by: str | None = None
    # Where the proxy topology comes from: the declaration, or a compose file whose proxy service
    # ("compose.yaml:9 service nginx (nginx:1.27)") runs in a container of its own.
    proxy_source: str | None = None
