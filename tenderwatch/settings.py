"""Every tunable of tenderwatch, declared once with its default and help.

Values come from (highest first) explicit arguments, ``TENDERWATCH_*`` environment
variables, then the defaults below. ``tenderwatch settings`` prints them all.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENDERWATCH_", extra="forbid")

    # Storage
    data_dir: Path = Field(
        Path("tenderwatch-data"),
        description="Folder holding the database, the content-addressed blobs and WARC files.",
    )
    database_url: str | None = Field(
        None,
        description="postgresql://... to use PostgreSQL; default: SQLite in DATA_DIR.",
    )

    # Limits on hostile or broken input
    max_file_bytes: int = Field(200 * 1024 * 1024, description="Largest single input accepted.")
    max_pages: int = Field(2000, description="PDF pages read per document; the rest are skipped.")
    max_decompressed_bytes: int = Field(
        1024 * 1024 * 1024, description="Total bytes extracted from one archive (zip/WARC)."
    )
    max_decompression_ratio: float = Field(
        200.0, description="Largest uncompressed/compressed ratio per archive member (zip bombs)."
    )
    max_archive_members: int = Field(100_000, description="Most members read from one archive.")
    facts_max_chars: int = Field(
        2_000_000,
        description="Characters of a document's text read for procurement facts; beyond is noted.",
    )
    document_timeout_s: float = Field(
        120.0, description="Wall-clock limit for extracting one document (OCR included)."
    )

    # OCR
    ocr: bool = Field(True, description="OCR pages without a text layer when tesseract is present.")
    ocr_languages: str = Field("chi_sim+eng", description="Tesseract language models to use.")
    ocr_dpi: int = Field(300, description="Rendering resolution for OCR.")
    ocr_page_timeout_s: float = Field(60.0, description="Tesseract time limit per page.")

    # Fetching
    user_agent: str = Field(
        "tenderwatch/0.1 (+https://github.com/tenderwatch/tenderwatch; research archiving)",
        description="User-Agent sent with every request.",
    )
    http_timeout_s: float = Field(30.0, description="Connect/read timeout per request.")
    http_max_redirects: int = Field(5, description="Redirects followed before giving up.")
    allow_private_networks: bool = Field(
        False, description="Allow fetching loopback/private/link-local addresses (off: SSRF guard)."
    )
    proxy: str | None = Field(None, description="HTTP(S) proxy URL for all fetches.")
    http_deadline_s: float = Field(
        300.0, description="Wall-clock limit for one fetch, redirects and slow bodies included."
    )
    warc_max_file_bytes: int = Field(
        1024 * 1024 * 1024, description="WARC files are rotated once they reach this size."
    )

    # Crawling portals and alerts (docs/crawling.md)
    crawl_retries: int = Field(3, description="Retries of a request answered 429/5xx or cut off.")
    crawl_backoff_s: float = Field(
        2.0, description="First retry delay; doubles per retry, a longer Retry-After wins."
    )
    crawl_max_backoff_s: float = Field(120.0, description="Longest wait between two retries.")
    crawl_rate_limits: bool = Field(
        True, description="Keep each source's per-host delay; off only to benchmark a local server."
    )
    watch_interval_s: float = Field(3600.0, description="Pause between two `watch` rounds.")
    alerts_file: Path | None = Field(
        None, description="YAML file of saved searches that send alerts (docs/crawling.md)."
    )
    smtp_host: str | None = Field(None, description="SMTP server for e-mail alerts.")
    smtp_port: int = Field(25, description="SMTP server port.")
    smtp_sender: str = Field("tenderwatch@localhost", description="From address of alert mail.")

    # Detection
    detect_matcher: str = Field(
        "auto",
        description="Multi-pattern matcher: auto (hyperscan when importable), hyperscan or python.",
    )
    detect_max_hits: int = Field(
        200_000, description="Pattern hits kept per document; text after the limit is not scanned."
    )
    pure_python: bool = Field(
        False,
        description="Import the scanning modules from their Python source even where setup.py "
        "compiled them (read once, when tenderwatch is imported; see tenderwatch/_native.py).",
    )
    cache_dir: Path | None = Field(
        None,
        description="Folder for compiled pattern databases (safe to delete); default: "
        "$XDG_CACHE_HOME/tenderwatch, else ~/.cache/tenderwatch.",
    )

    # Export
    ocds_ocid_prefix: str = Field(
        "ocds-tw0000",
        pattern=r"^ocds-[a-z0-9]{6}$",
        description="ocid prefix of OCDS exports. The default is not registered: publishers "
        "register their own with the Open Contracting Partnership.",
    )

    # Work
    workers: int = Field(0, description="Worker processes for extraction; 0 means one per core.")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment with explicit overrides (None values are ignored)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]


def settings_reference(current: Settings | None = None) -> list[dict[str, str]]:
    """One row per setting (variable, value, default, help): drives `tenderwatch settings`
    and docs/settings.md, so the documentation cannot drift from the code."""
    current = current or Settings()
    prefix = Settings.model_config.get("env_prefix", "")
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append(
            {
                "name": name,
                "variable": f"{prefix}{name.upper()}",
                "value": str(getattr(current, name)),
                "default": str(field.default),
                "help": field.description or "",
            }
        )
    return rows


def settings_markdown() -> str:
    """The body of docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "Every setting is an environment variable (or a CLI option where a command offers one).",
        "Generated from `tenderwatch/settings.py` by `python -m tenderwatch.settings`;",
        "a test fails when this page and the code disagree.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for row in settings_reference(Settings(data_dir=Path("tenderwatch-data"))):
        lines.append(f"| `{row['variable']}` | `{row['default']}` | {row['help']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")
