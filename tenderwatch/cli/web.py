"""Workbench commands: `serve`, `users add|ls|remove`, `export-pack`. Thin shells over
:mod:`tenderwatch.web`, :mod:`tenderwatch.auth` and :mod:`tenderwatch.evidence`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..auth import AuthError, Role, add_user, list_users, remove_user
from ..evidence import build_pack
from ..review import QueueFilter, ReviewError, ReviewStatus
from ..web.settings import WebSettings
from .app import (
    DataDirOption,
    Exit,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit_json,
    fail,
    open_store_or_fail,
    settings_for,
)

users_app = typer.Typer(help="Accounts of the workbench's server mode.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind; not loopback means server mode.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="TCP port.")] = 8787,
    auth: Annotated[
        bool, typer.Option("--auth", help="Require accounts even on loopback (server mode).")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Run the review workbench, in local or server mode.

    Local mode (loopback, no --auth): single user, no login. Server mode: accounts from
    `tenderwatch users add`, roles, sessions, CSRF, rate limits."""
    import uvicorn

    from ..web import create_app, is_loopback

    settings = settings_for(data_dir)
    server_mode = auth or not is_loopback(host)
    with open_store_or_fail(settings) as store:
        if server_mode and not list_users(store):
            raise fail("server mode needs an account: tenderwatch users add NAME --role admin")
    mode = "server mode (login required)" if server_mode else "local mode (single user)"
    console.print(f"tenderwatch workbench on http://{host}:{port}/ — {mode}")
    uvicorn.run(
        create_app(settings, WebSettings(), server_mode=server_mode),
        host=host,
        port=port,
        log_level="warning",
    )


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Account name.")],
    role: Annotated[Role, typer.Option(help="viewer, reviewer or admin.")] = Role.REVIEWER,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create an account (the password is prompted for, or read with --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_store_or_fail(settings_for(data_dir)) as store:
        try:
            user = add_user(store, name, password, role)
        except AuthError as exc:
            raise fail(str(exc), Exit.INPUT_ERROR) from exc
    console.print(f"added {escape(user.name)} ({user.role})")


@users_app.command("ls")
def users_ls(
    data_dir: DataDirOption = None, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """List accounts and their roles."""
    with open_store_or_fail(settings_for(data_dir)) as store:
        users = list_users(store)
    if output_format is OutputFormat.JSON:
        for user in users:
            emit_json(user)
        return
    table = Table("name", "role", "created")
    for user in users:
        table.add_row(escape(user.name), user.role.value, user.created_at.isoformat())
    console.print(table)


@users_app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument(help="Account name.")], data_dir: DataDirOption = None
) -> None:
    """Delete an account and end its sessions (its decisions stay in the history)."""
    with open_store_or_fail(settings_for(data_dir)) as store:
        if not remove_user(store, name):
            raise fail(f"no account named {name!r}", Exit.NOT_FOUND)
    console.print(f"removed {escape(name)}")


@app.command("export-pack")
def export_pack_command(
    out: Annotated[Path, typer.Argument(help="Zip file to write.")],
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    severity: Annotated[str | None, typer.Option(help="Only this severity.")] = None,
    status: Annotated[
        ReviewStatus | None, typer.Option(help="Only findings with this review status.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="GB/T 2260 division code.")] = None,
    buyer: Annotated[str | None, typer.Option(help="Exact buyer name.")] = None,
    vendor: Annotated[str | None, typer.Option(help="Exact supplier name or vendor id.")] = None,
    product: Annotated[str | None, typer.Option(help="Product model or maker.")] = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Write an evidence pack for the documents matching the filters.

    The pack holds the originals, their WARC records, an HTML+PDF findings report of the
    confirmed flags and a sha256 manifest."""
    settings = settings_for(data_dir)
    try:
        flt = QueueFilter.model_validate(
            {
                "category": category,
                "severity": severity,
                "status": status,
                "region": region,
                "buyer": buyer,
                "vendor": vendor,
                "product": product,
            }
        )
    except ValueError as exc:
        raise fail(str(exc), Exit.INPUT_ERROR) from exc
    with open_store_or_fail(settings) as store:
        try:
            summary = build_pack(
                store, settings, flt, out, max_documents=WebSettings().max_pack_documents
            )
        except ReviewError as exc:
            raise fail(str(exc)) from exc
    if output_format is OutputFormat.JSON:
        emit_json(summary)
        return
    console.print(
        f"wrote {escape(str(out))}: {summary.documents} documents, {summary.findings} confirmed"
        f" findings, {summary.warc_records} WARC records, {len(summary.files)} files"
    )
    for problem in summary.problems:
        console.print(f"[yellow]missing[/] {escape(problem)}")
