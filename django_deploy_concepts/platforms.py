"""What each hosting platform does for a Django project, as data in one table, and its detection."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Platform:
    name: str
    title: str
    # "paas", "container", "server", or "unknown" when nothing was detected.
    kind: str
    terminates_tls: bool
    # The header its router sets to tell Django the original scheme, or None.
    forwarded_proto_header: str | None
    # Environment variable holding the public hostname at run time, or None.
    hostname_env: str | None
    # Suffix of the hostname the platform gives an app ("myapp" + suffix), or None.
    host_suffix: str | None
    # True when files written at run time vanish at the next deploy or restart.
    ephemeral_disk: bool
    # Environment variable with the port the app must listen on, or None.
    port_env: str | None
    static_advice: str
    # django-simple-deploy can write this platform's configuration.
    simple_deploy: bool
    # Presence of any of these environment variables means "running on this platform".
    detect_env: tuple[str, ...] = ()
    # Presence of any of these files (relative to the project or repository root) suggests it.
    detect_files: tuple[str, ...] = ()


WHITENOISE_ADVICE = "serve them from the app with WhiteNoise after collectstatic in the build step"

PLATFORMS: tuple[Platform, ...] = (
    Platform(
        name="heroku",
        title="Heroku",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=".herokuapp.com",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=True,
        detect_env=("DYNO",),
        detect_files=("app.json", "Procfile"),
    ),
    Platform(
        name="fly",
        title="Fly.io",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="FLY_APP_NAME",
        host_suffix=".fly.dev",
        ephemeral_disk=True,
        port_env=None,
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=True,
        detect_env=("FLY_APP_NAME", "FLY_ALLOC_ID"),
        detect_files=("fly.toml",),
    ),
    Platform(
        name="render",
        title="Render",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="RENDER_EXTERNAL_HOSTNAME",
        host_suffix=".onrender.com",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_env=("RENDER", "RENDER_EXTERNAL_HOSTNAME"),
        detect_files=("render.yaml",),
    ),
    Platform(
        name="railway",
        title="Railway",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="RAILWAY_PUBLIC_DOMAIN",
        host_suffix=".up.railway.app",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_env=("RAILWAY_ENVIRONMENT", "RAILWAY_PUBLIC_DOMAIN"),
        detect_files=("railway.json", "railway.toml"),
    ),
    Platform(
        name="upsun",
        title="Platform.sh / Upsun",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=None,
        ephemeral_disk=False,
        port_env="PORT",
        static_advice="let the platform's web locations serve STATIC_ROOT, or use WhiteNoise",
        simple_deploy=True,
        detect_env=("PLATFORM_APPLICATION_NAME",),
        detect_files=(".platform.app.yaml", ".upsun/config.yaml"),
    ),
    Platform(
        name="pythonanywhere",
        title="PythonAnywhere",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=".pythonanywhere.com",
        ephemeral_disk=False,
        port_env=None,
        static_advice="map STATIC_URL to STATIC_ROOT in the Static files section of the Web tab",
        simple_deploy=False,
        detect_env=("PYTHONANYWHERE_DOMAIN", "PYTHONANYWHERE_SITE"),
    ),
    Platform(
        name="appengine",
        title="Google App Engine",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=".appspot.com",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice="serve them with static handlers in app.yaml, or WhiteNoise",
        simple_deploy=False,
        detect_env=("GAE_APPLICATION", "GAE_SERVICE"),
        detect_files=("app.yaml",),
    ),
    Platform(
        name="cloudrun",
        title="Google Cloud Run",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=".run.app",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_env=("K_SERVICE",),
    ),
    Platform(
        name="azure",
        title="Azure App Service",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="WEBSITE_HOSTNAME",
        host_suffix=".azurewebsites.net",
        ephemeral_disk=False,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_env=("WEBSITE_HOSTNAME", "WEBSITE_SITE_NAME"),
    ),
    Platform(
        name="elasticbeanstalk",
        title="AWS Elastic Beanstalk",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=".elasticbeanstalk.com",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice="map STATIC_URL to STATIC_ROOT with the aws:elasticbeanstalk:environment:proxy:staticfiles option, or WhiteNoise",
        simple_deploy=False,
        detect_files=(".ebextensions", ".elasticbeanstalk"),
    ),
    Platform(
        name="digitalocean",
        title="DigitalOcean App Platform",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="APP_DOMAIN",
        host_suffix=".ondigitalocean.app",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_files=(".do/app.yaml",),
    ),
    Platform(
        name="container",
        title="a container (Dockerfile)",
        kind="container",
        terminates_tls=False,
        forwarded_proto_header=None,
        hostname_env=None,
        host_suffix=None,
        ephemeral_disk=True,
        port_env=None,
        static_advice="run collectstatic in the image build and serve the files with WhiteNoise or a web server in front",
        simple_deploy=False,
        detect_files=("Dockerfile", "docker-compose.yml", "compose.yaml", "compose.yml", "docker-compose.yaml"),
    ),
    Platform(
        name="vps",
        title="a plain server (VPS)",
        kind="server",
        terminates_tls=False,
        forwarded_proto_header=None,
        hostname_env=None,
        host_suffix=None,
        ephemeral_disk=False,
        port_env=None,
        static_advice="let the web server (nginx, Apache or Caddy) serve STATIC_ROOT directly",
        simple_deploy=False,
    ),
)

# What the report assumes when nothing points to a platform: the strictest reading, a bare server.
UNKNOWN = dataclasses.replace(
    PLATFORMS[-1],
    name="unknown",
    title="no platform detected",
    kind="unknown",
)

PLATFORMS_BY_NAME: Mapping[str, Platform] = {platform.name: platform for platform in (*PLATFORMS, UNKNOWN)}


@dataclasses.dataclass(frozen=True)
class Detection:
    platform: str
    title: str
    evidence: tuple[str, ...]
    overridden: bool = False


def detect(environ: Mapping[str, str], present_files: Sequence[str], override: str | None = None) -> Detection:
    """The platform this project runs on or is set up for: environment first, then files."""
    if override:
        platform = PLATFORMS_BY_NAME[override]
        return Detection(platform.name, platform.title, ("chosen with --platform",), overridden=True)
    for platform in PLATFORMS:
        names = [name for name in platform.detect_env if environ.get(name)]
        if names:
            evidence = tuple(f"environment variable {name} is set" for name in names)
            return Detection(platform.name, platform.title, evidence)
    present = set(present_files)
    for platform in PLATFORMS:
        files = [name for name in platform.detect_files if name in present]
        if files:
            return Detection(platform.name, platform.title, tuple(f"{name} found" for name in files))
    return Detection(UNKNOWN.name, UNKNOWN.title, ("no platform file or environment variable found",))
