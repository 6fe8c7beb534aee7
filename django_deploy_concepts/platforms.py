"""What each hosting platform does for a Django project, as data in one table, and its detection.

Docs: docs/platforms.rst (one section per row, with the sources each fact was checked against).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit


@dataclasses.dataclass(frozen=True)
class Platform:
    name: str
    title: str
    # "paas", "container", "server", or "unknown" when nothing was detected.
    kind: str
    # Its router accepts HTTPS and forwards plain http to the app (so Django must be told).
    terminates_tls: bool
    # The header its router sets to tell Django the original scheme, or None.
    forwarded_proto_header: str | None
    # Environment variable whose value gives the public hostname at run time, or None. Fly.io's
    # holds the app name only: use public_hostname(), which completes it with hostname_template.
    hostname_env: str | None
    # Suffix of the hostname the platform gives an app ("myapp" + suffix), or None.
    host_suffix: str | None
    # True when files written at run time vanish at the next deploy or restart.
    ephemeral_disk: bool
    # Environment variable with the port the app must listen on, or None.
    port_env: str | None
    static_advice: str
    # django-simple-deploy can write this platform's configuration (see simple_deploy_plugin).
    simple_deploy: bool
    # Presence of any of these environment variables means "running on this platform".
    detect_env: tuple[str, ...] = ()
    # Presence of any of these files (relative to the project or repository root) suggests it.
    detect_files: tuple[str, ...] = ()
    # How the value of hostname_env becomes the hostname ("{}" when it already is one).
    hostname_template: str = "{}"
    # The router passes the browser's Host header on unchanged, so USE_X_FORWARDED_HOST is not needed.
    passes_host: bool = False
    # The pip package of the django-simple-deploy plugin for this platform, or None.
    simple_deploy_plugin: str | None = None
    # One clause each, for explanations: where the hostname, port, disk and uploads stand.
    hostname_note: str = ""
    port_note: str = ""
    disk_note: str = ""
    media_advice: str = ""
    # The beginner's steps, one clause each: the file that says how to start the app (written
    # whole by `explain_deploy --emit platform`), where the build runs (collectstatic goes there),
    # where a once-per-deploy step runs (migrate), how to get PostgreSQL (DATABASE_URL), and how
    # to set an environment variable there.
    platform_file: str = "Procfile"
    build_step: str = ""
    release_step: str = ""
    database_offering: str = ""
    set_variables: str = ""


WHITENOISE_ADVICE = "serve them from the app with WhiteNoise after collectstatic in the build step"
OBJECT_STORAGE_ADVICE = "store uploads in object storage with django-storages (S3 or a compatible service)"

PLATFORMS: tuple[Platform, ...] = (
    Platform(
        name="heroku",
        title="Heroku",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="HEROKU_APP_DEFAULT_DOMAIN_NAME",
        host_suffix=".herokuapp.com",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=True,
        detect_env=("DYNO",),
        detect_files=("app.json",),
        passes_host=True,
        simple_deploy_plugin="dsd-heroku",
        hostname_note="HEROKU_APP_DEFAULT_DOMAIN_NAME is set only with `heroku labs:enable runtime-dyno-metadata`; "
        "apps created since June 2023 are APPNAME-<12 characters>.herokuapp.com",
        port_note="the web process must bind 0.0.0.0:$PORT",
        disk_note="each dyno's file system is discarded at every restart and deploy (at least daily)",
        media_advice=OBJECT_STORAGE_ADVICE,
        build_step="the Python buildpack installs requirements.txt and runs collectstatic for you at every `git push heroku`",
        release_step="the Procfile's release: line runs once per deploy, before the new dynos start",
        database_offering="`heroku addons:create heroku-postgresql:essential-0` creates a database and sets DATABASE_URL",
        set_variables="`heroku config:set DJANGO_SECRET_KEY=...` (or the app's Settings tab, Config Vars)",
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
        hostname_template="{}.fly.dev",
        passes_host=True,
        simple_deploy_plugin="dsd-flyio",
        hostname_note="FLY_APP_NAME holds the app name; the public hostname is APPNAME.fly.dev",
        port_note="the app listens on the internal_port of fly.toml (no PORT variable is set for you)",
        disk_note="a Machine's root file system is rebuilt from the image at each deploy; only a Fly volume persists",
        media_advice="store uploads in object storage (Tigris or S3 with django-storages), or on a Fly volume",
        platform_file="fly.toml",
        build_step="the Dockerfile is the build: `fly deploy` builds the image, so collectstatic is a RUN line in it",
        release_step="fly.toml's [deploy] release_command runs once per deploy in a temporary Machine",
        database_offering="`fly postgres create`, then `fly postgres attach` sets DATABASE_URL (or Fly's Managed Postgres)",
        set_variables="`fly secrets set DJANGO_SECRET_KEY=...` (fly.toml's [env] for values that are not secret)",
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
        passes_host=True,
        hostname_note="RENDER_EXTERNAL_HOSTNAME holds the service's onrender.com hostname",
        port_note="bind 0.0.0.0:$PORT (10000 unless you set PORT)",
        disk_note="the file system is discarded at each deploy and restart unless you attach a persistent disk",
        media_advice=f"{OBJECT_STORAGE_ADVICE}, or attach a Render persistent disk at MEDIA_ROOT",
        platform_file="render.yaml",
        build_step="the service's build command (buildCommand in render.yaml) runs at every deploy",
        release_step="the pre-deploy command (preDeployCommand) runs once per deploy before the new version starts",
        database_offering="a Render Postgres database; render.yaml's fromDatabase passes its URL as DATABASE_URL",
        set_variables="the service's Environment tab, or envVars in render.yaml (generateValue: true makes a random secret)",
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
        detect_env=("RAILWAY_ENVIRONMENT_NAME", "RAILWAY_ENVIRONMENT", "RAILWAY_PUBLIC_DOMAIN"),
        detect_files=("railway.json", "railway.toml"),
        passes_host=True,
        hostname_note="RAILWAY_PUBLIC_DOMAIN holds the public domain once you generate one for the service",
        port_note="bind 0.0.0.0:$PORT",
        disk_note="the file system is discarded at each deploy unless you attach a volume",
        media_advice=f"{OBJECT_STORAGE_ADVICE}, or attach a Railway volume at MEDIA_ROOT",
        platform_file="railway.json",
        build_step="Railway's builder (Railpack or Nixpacks) installs requirements.txt; add collectstatic as the build command",
        release_step="the pre-deploy command (deploy.preDeployCommand in railway.json) runs once per deploy",
        database_offering="add a PostgreSQL service to the project and reference it: DATABASE_URL=${{Postgres.DATABASE_URL}}",
        set_variables="the service's Variables tab, or `railway variables --set DJANGO_SECRET_KEY=...`",
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
        passes_host=True,
        simple_deploy_plugin="dsd-upsun",
        hostname_note="the routes are in PLATFORM_ROUTES (base64-encoded JSON)",
        port_note="the web command binds $PORT",
        disk_note="the app's files are read-only after the build; only declared mounts are writable, and they persist",
        media_advice="declare a mount at MEDIA_ROOT and a web location that serves MEDIA_URL from it",
        platform_file=".upsun/config.yaml",
        build_step="the build hook (hooks.build) runs pip install and collectstatic while the files are still writable",
        release_step="the deploy hook (hooks.deploy) runs once per deploy: migrate goes there",
        database_offering="a postgresql service and a relationship to it; its credentials arrive in PLATFORM_RELATIONSHIPS",
        set_variables="`upsun variable:create --name env:DJANGO_SECRET_KEY --value ...` (prefix env: makes it an environment variable)",
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
        passes_host=True,
        hostname_note="the web app's domain is shown on the Web tab (USERNAME.pythonanywhere.com by default)",
        port_note="no port: the Web tab's WSGI file imports your application",
        disk_note="your home directory is a persistent disk",
        media_advice="map MEDIA_URL to MEDIA_ROOT in the Static files section of the Web tab",
        platform_file="the WSGI configuration file (Web tab)",
        build_step="you run pip install and collectstatic yourself in a Bash console, then press Reload on the Web tab",
        release_step="you run migrate yourself in a Bash console before pressing Reload",
        database_offering="a MySQL database from the Databases tab (PostgreSQL on paid plans)",
        set_variables="a .env file loaded at the top of the WSGI configuration file (the Web tab links to it)",
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
        detect_env=("GAE_APPLICATION", "GAE_SERVICE", "GAE_ENV"),
        detect_files=("app.yaml",),
        passes_host=True,
        hostname_note="the default hostname is PROJECT_ID.REGION_ID.r.appspot.com; no variable holds it",
        port_note="the entrypoint must bind $PORT (8080)",
        disk_note="the file system is read-only except /tmp, which lives in the instance's memory",
        media_advice="store uploads in Cloud Storage with django-storages",
        platform_file="app.yaml",
        build_step="`gcloud app deploy` installs requirements.txt; run collectstatic before deploying, or serve static files from app.yaml",
        release_step="run migrate from your machine or CI through the Cloud SQL Auth Proxy before `gcloud app deploy`",
        database_offering="Cloud SQL for PostgreSQL, reached through its unix socket /cloudsql/CONNECTION_NAME",
        set_variables="env_variables in app.yaml, with secrets from Secret Manager",
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
        passes_host=True,
        hostname_note="the service URL (SERVICE-....run.app) is shown by gcloud run services describe; no variable holds it",
        port_note="bind 0.0.0.0:$PORT (8080 by default)",
        disk_note="the writable file system lives in the instance's memory and vanishes with it",
        media_advice="store uploads in Cloud Storage with django-storages",
        platform_file="Dockerfile",
        build_step="the Dockerfile is the build (`gcloud run deploy --source .` builds it): collectstatic is a RUN line in it",
        release_step="a Cloud Run job that runs migrate, executed once per deploy before the new revision takes traffic",
        database_offering="Cloud SQL for PostgreSQL, connected to the service with --add-cloudsql-instances",
        set_variables="`gcloud run services update SERVICE --update-env-vars DJANGO_DEBUG=` and --update-secrets for secrets",
    ),
    Platform(
        name="azure",
        title="Azure App Service",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env="WEBSITE_HOSTNAME",
        host_suffix=".azurewebsites.net",
        ephemeral_disk=True,
        port_env=None,
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_env=("WEBSITE_HOSTNAME", "WEBSITE_SITE_NAME"),
        passes_host=True,
        hostname_note="WEBSITE_HOSTNAME holds APPNAME.azurewebsites.net",
        port_note="the built-in Python image starts gunicorn on port 8000; custom containers set WEBSITES_PORT",
        disk_note="only /home persists; a build that runs from a temporary folder loses files written next to the code",
        media_advice="store uploads in Azure Blob Storage with django-storages, or under /home",
        platform_file="the startup command (Configuration, General settings)",
        build_step="Oryx installs requirements.txt and runs collectstatic during the deployment's build",
        release_step="put migrate in the startup command before gunicorn, or run it from the SSH console once per deploy",
        database_offering="Azure Database for PostgreSQL flexible server; put its URL in DATABASE_URL",
        set_variables="Configuration, Application settings (each becomes an environment variable)",
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
        passes_host=True,
        hostname_note="the environment URL (ENV.REGION.elasticbeanstalk.com) serves plain http until the load balancer has a certificate",
        port_note="nginx on the instance forwards to port 8000 (the PORT environment property)",
        disk_note="instances are replaced when the environment scales or is rebuilt",
        media_advice="store uploads in S3 with django-storages",
        build_step="a container command in .ebextensions runs collectstatic on each instance",
        release_step="a container command with leader_only: true runs migrate once per deploy",
        database_offering="Amazon RDS for PostgreSQL, created apart from the environment; put its URL in DATABASE_URL",
        set_variables="`eb setenv DJANGO_SECRET_KEY=...` (environment properties)",
    ),
    Platform(
        name="digitalocean",
        title="DigitalOcean App Platform",
        kind="paas",
        terminates_tls=True,
        forwarded_proto_header="X-Forwarded-Proto",
        hostname_env=None,
        host_suffix=".ondigitalocean.app",
        ephemeral_disk=True,
        port_env="PORT",
        static_advice=WHITENOISE_ADVICE,
        simple_deploy=False,
        detect_files=(".do/app.yaml", ".do/deploy.template.yaml"),
        passes_host=True,
        hostname_note="the app spec can pass it in: DJANGO_ALLOWED_HOSTS=${APP_DOMAIN}",
        port_note="bind 0.0.0.0:$PORT (8080 by default)",
        disk_note="the file system is discarded at each deploy; App Platform attaches no volumes",
        media_advice="store uploads in Spaces (S3-compatible) with django-storages",
        build_step="the component's build command (build_command in the app spec) runs at every deploy",
        release_step="a PRE_DEPLOY job in the app spec runs migrate once per deploy",
        database_offering="a Dev Database or managed PostgreSQL cluster; DATABASE_URL=${db.DATABASE_URL} in the app spec",
        set_variables="the component's Environment Variables settings, or envs in the app spec (type: SECRET for secrets)",
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
        hostname_note="whatever routes traffic to the container knows it",
        port_note="the port the image EXPOSEs and the start command binds",
        disk_note="a container's file system is discarded with it; only volumes persist",
        media_advice="store uploads in object storage, or on a volume served by a web server in front",
        platform_file="Dockerfile",
        build_step="the Dockerfile is the build: pip install and collectstatic are RUN lines in it",
        release_step="run migrate once per deploy before the new container takes traffic (a one-off `docker run ... migrate`)",
        database_offering="a PostgreSQL container with a volume, or a managed PostgreSQL; put its URL in DATABASE_URL",
        set_variables="`docker run -e DJANGO_SECRET_KEY=...` or the environment: section of a compose file",
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
        detect_files=("nginx.conf", "Caddyfile", "gunicorn.socket", "gunicorn.service"),
        hostname_note="your DNS names; list them in ALLOWED_HOSTS",
        port_note="gunicorn listens on a unix socket or 127.0.0.1; only the web server is public",
        disk_note="the disk persists",
        media_advice="let the web server serve MEDIA_ROOT at MEDIA_URL",
        platform_file="gunicorn.service",
        build_step="your deploy script: git pull, pip install -r requirements.txt, collectstatic",
        release_step="the same deploy script runs migrate before it restarts gunicorn",
        database_offering="`sudo apt install postgresql`, then createuser and createdb; DATABASE_URL=postgres://user:password@localhost/name",
        set_variables="an EnvironmentFile= for the systemd service (a file readable by root only)",
    ),
)

# What the report assumes when nothing points to a platform: the strictest reading, a bare server.
UNKNOWN = dataclasses.replace(
    PLATFORMS[-1],
    name="unknown",
    title="no platform detected",
    kind="unknown",
    detect_files=(),
    hostname_note="unknown until the platform is (detected, or chosen with --platform)",
    port_note="depends on where it runs",
    disk_note="depends on where it runs: most platforms wipe it at each deploy",
    media_advice="store uploads in object storage, or let your web server serve MEDIA_ROOT",
    platform_file="Procfile",
    build_step="the platform's build step (where it installs requirements.txt) is where collectstatic runs",
    release_step="the platform's release or pre-deploy step runs migrate once per deploy",
    database_offering="most platforms offer a managed PostgreSQL that sets DATABASE_URL for you",
    set_variables="the platform's settings page for environment variables; locally, nothing (the settings have development defaults)",
)

PLATFORMS_BY_NAME: Mapping[str, Platform] = {platform.name: platform for platform in (*PLATFORMS, UNKNOWN)}

# Files several platforms read: they count only when nothing more specific was found.
GENERIC_FILES: Mapping[str, str] = {"Procfile": "heroku"}


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
    for name, platform_name in GENERIC_FILES.items():
        if name in present:
            platform = PLATFORMS_BY_NAME[platform_name]
            return Detection(platform.name, platform.title, (f"{name} found, a {platform.title}-style file other platforms read too",))
    return Detection(UNKNOWN.name, UNKNOWN.title, ("no platform file or environment variable found",))


def bare_hostname(value: str) -> str | None:
    """``https://Example.com:443/`` -> ``example.com``; None when nothing like a hostname is left."""
    value = value.strip()
    if not value:
        return None
    parsed = urlsplit(value if "://" in value else f"//{value}")
    host = parsed.hostname
    return host.lower() if host else None


def upsun_primary_host(routes: str) -> str | None:
    """The host of the primary route in Platform.sh/Upsun's PLATFORM_ROUTES (base64-encoded JSON)."""
    try:
        decoded = json.loads(base64.b64decode(routes, validate=False))
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(decoded, dict):
        return None
    upstreams = [(url, route) for url, route in decoded.items() if isinstance(route, dict) and route.get("type") == "upstream"]
    primary = [url for url, route in upstreams if route.get("primary")]
    https = [url for url, _ in upstreams if str(url).startswith("https://")]
    for url in (*primary, *https, *(url for url, _ in upstreams)):
        host = bare_hostname(str(url))
        if host:
            return host
    return None


def public_hostname(platform: Platform, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The app's public hostname from the platform's environment, and the variable it came from."""
    if platform.name == "upsun" and environ.get("PLATFORM_ROUTES"):
        return upsun_primary_host(environ["PLATFORM_ROUTES"]), "PLATFORM_ROUTES"
    if platform.hostname_env is None:
        return None, None
    value = environ.get(platform.hostname_env, "")
    if not value.strip():
        return None, None
    return bare_hostname(platform.hostname_template.format(value.strip())), platform.hostname_env
