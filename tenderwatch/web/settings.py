"""Tunables of the review workbench, declared once with defaults and help.

Kept in the web package (like tenderwatch/vendors/settings.py) so the shared settings stay
small; values come from ``TENDERWATCH_WEB_*`` environment variables or explicit arguments.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENDERWATCH_WEB_", extra="forbid")

    session_hours: float = Field(12.0, gt=0, description="Lifetime of a login session.")
    login_attempts: int = Field(
        5, ge=1, description="Failed logins allowed per account and client within the window."
    )
    login_window_s: float = Field(
        300.0, gt=0, description="Window over which failed logins are counted."
    )
    page_size: int = Field(100, ge=1, le=1000, description="Rows per page of the flag queue.")
    max_note_chars: int = Field(4000, ge=1, description="Longest reviewer note accepted.")
    max_query_chars: int = Field(200, ge=1, description="Longest search query accepted.")
    max_pack_documents: int = Field(
        500, ge=1, description="Most documents one evidence pack may hold."
    )
