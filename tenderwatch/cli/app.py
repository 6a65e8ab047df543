"""The typer application and what every command shares: output formats, exit codes,
the console and the data-directory option."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape

from ..settings import Settings, load_settings
from ..store.base import DocumentNotFound, Store, StoreError, open_store

app = typer.Typer(
    name="tenderwatch",
    help=(
        "Archive public procurement documents with provenance, extract their facts and flag "
        "purchases of surveillance that targets ethnic or religious groups, quoting the evidence."
    ),
    no_args_is_help=True,
    add_completion=False,
    # Markdown, not rich markup: rich reads "[default: ...]" in a help text as a style tag
    # and drops it, and keeps every line break of a docstring's paragraphs.
    rich_markup_mode="markdown",
)

console = Console()
err_console = Console(stderr=True)


class Exit(IntEnum):
    """Exit codes every command uses."""

    OK = 0
    FINDINGS = 1  # the command worked and found something at or above the threshold
    INPUT_ERROR = 2  # at least one input could not be read (also click's usage errors)
    NOT_FOUND = 3  # a requested document, rule or record does not exist
    FAILED = 4  # the command itself failed (configuration, database, quality floor)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        "-d",
        envvar="TENDERWATCH_DATA_DIR",
        help="Folder with the database, blobs and WARC files [default: ./tenderwatch-data].",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="text for people, json for programs (JSON lines)."),
]


def settings_for(data_dir: Path | None, **overrides: object) -> Settings:
    return load_settings(data_dir=data_dir, **overrides)


def to_jsonable(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    return obj


def emit_json(obj: Any) -> None:
    """One JSON document per line on stdout, UTF-8, no ASCII escaping of Chinese."""
    sys.stdout.write(json.dumps(to_jsonable(obj), ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: Exit = Exit.FAILED) -> typer.Exit:
    """Print an error that says what to do, and return the exit to raise."""
    # soft_wrap keeps paths and URLs on one line; escape stops input text being read as markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(int(code))


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        console.print(f"tenderwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Archive procurement documents, extract facts, flag targeted surveillance with evidence."""


@contextmanager
def open_store_or_fail(settings: Settings) -> Iterator[Store]:
    """The configured store, closed afterwards; its errors become a clear message and exit code."""
    try:
        store = open_store(settings)
    except StoreError as exc:
        raise fail(f"{exc}. Check --data-dir / TENDERWATCH_DATABASE_URL.") from exc
    try:
        yield store
    except DocumentNotFound as exc:
        raise fail(str(exc), Exit.NOT_FOUND) from exc
    except StoreError as exc:
        raise fail(str(exc)) from exc
    finally:
        store.close()
