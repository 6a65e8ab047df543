"""Tunables of vendor matching, declared once with defaults and help.

Kept in the vendors package (not tenderwatch/settings.py) so the shared settings stay small;
values come from ``TENDERWATCH_VENDORS_*`` environment variables or explicit arguments.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class VendorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENDERWATCH_VENDORS_", extra="forbid")

    match_threshold: float = Field(
        90.0, ge=0, le=100, description="Score at or above which a mention is the same vendor."
    )
    review_threshold: float = Field(
        75.0,
        ge=0,
        le=100,
        description="Score at or above which a candidate is shown for review (unsure).",
    )
    max_candidates: int = Field(
        30, ge=1, description="Candidates taken from the blocking index for fuzzy scoring."
    )
    max_results: int = Field(5, ge=1, description="Matches returned per mention.")
    block_max_postings: int = Field(
        20_000,
        ge=1,
        description="Blocking keys shared by more entities than this are too common to use.",
    )
    max_mention_chars: int = Field(
        300, ge=1, description="Longer mentions are truncated before matching (hostile input)."
    )
    max_import_bytes: int = Field(
        2 * 1024 * 1024 * 1024, ge=1, description="Largest list file accepted by import."
    )
    max_import_line_bytes: int = Field(
        1024 * 1024, ge=1, description="Longest JSON line / CSV row accepted by import."
    )
    max_import_errors: int = Field(
        1000, ge=0, description="Line errors kept per import (the count is always exact)."
    )
