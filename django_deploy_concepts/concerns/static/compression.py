"""What compression would save on the text assets, estimated from a bounded sample.

WhiteNoise's compressing storages write a .gz (and, with brotli installed, a .br) beside each file
whose extension is worth compressing, and keep it only when it saves at least 5%.
WhiteNoise: https://whitenoise.readthedocs.io/en/stable/django.html#add-compression
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from typing import Any

from django_deploy_concepts.concerns.static.common import size
from django_deploy_concepts.concerns.static.facts import CompressionFacts, Facts
from django_deploy_concepts.concerns.static.finders import listing
from django_deploy_concepts.concerns.static.scanning import read_listed
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Fact

# WhiteNoise's own list (whitenoise.compress.Compressor.SKIP_COMPRESS_EXTENSIONS), for when it is absent.
SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv",
    "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv",
)  # fmt: skip
# Bounds of the sample: gzip is fast; brotli at WhiteNoise's quality (11) runs at about 1 MB/s.
SAMPLE_FILES = 64
SAMPLE_FILE_BYTES = 32 * 1024
# Larger files are left out of the sample rather than read whole.
MAX_SAMPLED_FILE = 4 * 1024 * 1024
GZIP_SAMPLE_BYTES = 128 * 1024
BROTLI_SAMPLE_BYTES = 16 * 1024
# WhiteNoise keeps a compressed copy only below this share of the original size.
EFFECTIVE_RATIO = 0.95


# Facts --------------------------------------------------------------------------------------------


def skip_pattern(extensions: object) -> re.Pattern[str]:
    if not isinstance(extensions, (list, tuple)):
        extensions = SKIP_COMPRESS_EXTENSIONS
    if not extensions:
        return re.compile("^$")
    return re.compile(r"\.({})$".format("|".join(map(re.escape, map(str, extensions)))), re.IGNORECASE)


def compressed_size(data: bytes, compress: Any) -> int:
    size = len(compress(data))
    return size if size < len(data) * EFFECTIVE_RATIO else len(data)


def brotli_compressor() -> Any:
    if importlib.util.find_spec("brotli") is None:
        return None
    import brotli  # type: ignore[import-untyped]

    return brotli.compress


def estimate(context: ProjectContext) -> CompressionFacts:
    skip = skip_pattern(context.setting("WHITENOISE_SKIP_COMPRESS_EXTENSIONS"))
    text = [
        (name, listed) for name, listed in listing(context).files.items() if listed.regular and listed.full_path and not skip.search(name)
    ]
    text_bytes = sum(listed.size for _, listed in text)
    brotli = brotli_compressor()
    if not text or not text_bytes:
        return CompressionFacts(text_files=len(text), text_bytes=text_bytes, brotli_available=brotli is not None)
    # Every n-th file, so the sample mixes the kinds of files the project has.
    step = max(1, len(text) // SAMPLE_FILES)
    original = gzipped = files = 0
    # Brotli at quality 11 is slow: it runs on the first files of the sample only, and its saving
    # relative to gzip on those files scales the gzip estimate, so the two figures stay comparable.
    brotli_original = brotli_gzipped = brotlied = 0
    for _, listed in text[::step]:
        if original >= GZIP_SAMPLE_BYTES:
            break
        try:
            data = read_listed(listed.full_path, listed.size, MAX_SAMPLED_FILE)[:SAMPLE_FILE_BYTES]  # type: ignore[arg-type]
        except OSError:
            continue
        if not data:
            continue
        files += 1
        original += len(data)
        gzip_size = compressed_size(data, gzip_compress)
        gzipped += gzip_size
        if brotli is not None and brotli_original < BROTLI_SAMPLE_BYTES:
            brotli_original += len(data)
            brotli_gzipped += gzip_size
            brotlied += compressed_size(data, brotli)
    if not original:
        return CompressionFacts(text_files=len(text), text_bytes=text_bytes, brotli_available=brotli is not None)
    gzip_bytes = round(text_bytes * gzipped / original)
    return CompressionFacts(
        text_files=len(text),
        text_bytes=text_bytes,
        sampled_files=files,
        sampled_bytes=original,
        gzip_bytes=gzip_bytes,
        brotli_bytes=round(gzip_bytes * brotlied / brotli_gzipped) if brotli_gzipped else None,
        brotli_available=brotli is not None,
    )


def gzip_compress(data: bytes) -> bytes:
    # As WhiteNoise compresses: level 9, no timestamp.
    return gzip.compress(data, compresslevel=9, mtime=0)


def collect(context: ProjectContext) -> CompressionFacts:
    return context.memo("static:compression", lambda: estimate(context))  # type: ignore[no-any-return]


def found(facts: Facts) -> list[Fact]:
    return [Fact("Compression", describe(facts), facts.storage.compresses or None)]


def describe(facts: Facts) -> str:
    compression = facts.compression
    if not compression.text_files:
        return "no text assets"
    parts = [f"{compression.text_files} text files, {size(compression.text_bytes)}"]
    if compression.gzip_bytes is not None:
        parts.append(f"gzip ~{size(compression.gzip_bytes)}")
    if compression.brotli_bytes is not None:
        parts.append(f"brotli ~{size(compression.brotli_bytes)}")
    elif not compression.brotli_available:
        parts.append("brotli not installed")
    done = "compressed at collectstatic" if facts.storage.compresses else "NOT compressed by this storage"
    return f"{'; '.join(parts)} ({done}; estimated from {compression.sampled_files} files)"
