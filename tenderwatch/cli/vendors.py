"""``tenderwatch vendors ls|show|match|import|judge``: thin shells over tenderwatch.vendors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..vendors import catalog
from ..vendors.imports import ImportFailed, import_file
from ..vendors.judgements import Verdict
from ..vendors.matcher import MatchResult, VendorIndex
from ..vendors.model import Entity
from ..vendors.settings import VendorSettings
from ..vendors.signal import describe_listing
from .app import (
    DataDirOption,
    Exit,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit_json,
    err_console,
    fail,
    open_store_or_fail,
    settings_for,
)

vendors_app = typer.Typer(
    name="vendors",
    help="Vendors and the public lists they are on; match supplier names against them.",
    no_args_is_help=True,
)
app.add_typer(vendors_app, name="vendors")

DECISION_STYLE = {"match": "bold red", "review": "yellow", "no_match": "dim"}


def _index(data_dir: Path | None) -> tuple[VendorIndex, Path]:
    folder = settings_for(data_dir).data_dir
    errors: list[str] = []
    index = catalog.build_index(folder, VendorSettings(), errors)
    for line in errors[:20]:
        err_console.print(f"[yellow]warning:[/] {escape(line)}")
    return index, folder


@vendors_app.command("ls")
def ls_command(
    data_dir: DataDirOption = None,
    listed: Annotated[
        bool, typer.Option("--listed", help="Only entities on a public list.")
    ] = False,
    procured: Annotated[
        bool, typer.Option("--procured", help="Only entities matched in stored documents.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Most entities shown.")] = 200,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """List vendors with their procurements and list memberships.

    Vendors are the shipped ones and the imported ones. Procurements are the stored
    documents a vendor was matched in, and how many of those carry rights flags."""
    index, folder = _index(data_dir)
    with open_store_or_fail(settings_for(folder)) as store:
        counts = {p.entity_id: p for p in store.vendor_procurements()}
    # Vendors seen in the archive first (most documents first), then the rest in data order.
    order = {entity_id: rank for rank, entity_id in enumerate(counts)}
    shown = sorted(
        (
            e
            for e in index.entities
            if (e.active_listings or not listed) and (e.id in counts or not procured)
        ),
        key=lambda e: order.get(e.id, len(order)),
    )[:limit]
    if output_format is OutputFormat.JSON:
        for entity in shown:
            found = counts.get(entity.id)
            emit_json(
                {
                    **entity.model_dump(mode="json", by_alias=True),
                    "procurements": found.model_dump(exclude={"entity_id"}) if found else None,
                }
            )
        return
    table = Table(title=f"vendors ({len(shown)} of {len(index)})")
    for column in ("id", "name", "documents", "flagged", "lists", "parent"):
        table.add_column(column, overflow="fold")
    for entity in shown:
        lists = ", ".join(sorted({x.list_id for x in entity.active_listings}))
        found = counts.get(entity.id)
        table.add_row(
            entity.id,
            escape(entity.caption),
            str(found.documents) if found else "",
            str(found.flagged_documents) if found else "",
            lists,
            entity.parent or "",
        )
    console.print(table)


def _print_entity(entity: Entity) -> None:
    console.print(f"[bold]{escape(entity.caption)}[/]  [dim]{entity.id} · {entity.origin}[/]")
    if entity.parent:
        console.print(f"  parent: {entity.parent} ({escape(entity.relation or '')})")
    for name in entity.names:
        console.print(f"  {name.kind.value:<8} {escape(name.name)}  [dim]{name.source}[/]")
    for ident in entity.identifiers:
        console.print(f"  id       {ident.scheme}: {ident.value}  [dim]{ident.source}[/]")
    for prefix in entity.model_prefixes:
        console.print(f"  model    {prefix.prefix}…  [dim]{prefix.source}[/]")
    for listing in entity.listings:
        removed = f" [green](removed {listing.removed})[/]" if listing.removed else ""
        console.print(f"  [red]listed[/]   {escape(describe_listing(listing))}{removed}")


@vendors_app.command("show")
def show_command(
    entity_id: Annotated[str, typer.Argument(help="Vendor id, e.g. hikvision.")],
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Show one vendor: names with sources, model prefixes, list memberships."""
    index, _ = _index(data_dir)
    entity = index.get(entity_id)
    if entity is None:
        raise fail(f"no vendor {entity_id!r}; `tenderwatch vendors ls` lists them", Exit.NOT_FOUND)
    if output_format is OutputFormat.JSON:
        emit_json(entity.model_dump(mode="json", by_alias=True))
    else:
        _print_entity(entity)


def _print_match(result: MatchResult) -> None:
    style = DECISION_STYLE[result.decision.value]
    console.print(f"{escape(result.mention)} → [{style}]{result.decision.value}[/]")
    if result.error:
        console.print(f"  [yellow]{escape(result.error)}[/]")
    for candidate in result.candidates:
        lists = ", ".join(sorted({x.list_id for x in candidate.listings})) or "no lists"
        console.print(
            f"  {candidate.score:5.1f} {candidate.decision.value:<8} {candidate.entity_id}"
            f"  {escape(candidate.caption)}  [dim]{lists}[/]"
        )
        for feature in candidate.features[:4]:
            console.print(
                f"        {feature.name} {feature.score:g}: {escape(feature.mention_key)} ~ "
                f"{escape(feature.candidate_key)} ({escape(feature.why)})"
            )


@vendors_app.command("match")
def match_command(
    names: Annotated[list[str], typer.Argument(help="Supplier, maker or brand names; models too.")],
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Match names against vendors and imported lists, explaining every score."""
    index, folder = _index(data_dir)
    with open_store_or_fail(settings_for(folder)) as store:
        judgements = catalog.judgement_log(store)
    for name in names:
        result = index.match(name, judgements)
        if output_format is OutputFormat.JSON:
            emit_json(result)
        else:
            _print_match(result)


@vendors_app.command("import")
def import_command(
    path: Annotated[
        Path, typer.Argument(help="FtM entities (.json/.jsonl) or OpenSanctions simple CSV.")
    ],
    list_format: Annotated[
        str | None, typer.Option("--list-format", help="ftm or csv (default: from the file).")
    ] = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Import a sanctions/watch list; its entities are matched from now on.

    Exit 2 when the file cannot be read or some of its lines were skipped as malformed.
    """
    folder = settings_for(data_dir).data_dir
    try:
        result = import_file(path, list_format, VendorSettings())
    except ImportFailed as exc:
        raise fail(str(exc), Exit.INPUT_ERROR) from exc
    saved = catalog.save_import(result, folder)
    summary = {
        "source": result.source,
        "format": result.format,
        "sha256": result.sha256,
        "entities": len(result.entities),
        "lines": result.lines,
        "error_count": result.error_count,
        "errors": result.errors,
        "skipped": dict(result.skipped),
        "saved": str(saved),
    }
    if output_format is OutputFormat.JSON:
        emit_json(summary)
    else:
        console.print(
            f"imported {len(result.entities)} entities from {escape(str(path))} "
            f"({result.format}, {result.lines} lines) → {escape(str(saved))}"
        )
        for reason, count in sorted(result.skipped.items()):
            console.print(f"  skipped {count}: {escape(reason)}")
        for line in result.errors[:50]:
            console.print(f"  [red]error[/] {escape(line)}")
    if result.error_count:
        raise typer.Exit(int(Exit.INPUT_ERROR))


@vendors_app.command("judge")
def judge_command(
    mention: Annotated[str, typer.Argument(help="The mention as it appears in notices.")],
    entity_id: Annotated[str, typer.Argument(help="Vendor or list entity id.")],
    verdict: Annotated[Verdict, typer.Argument(help="same, not_same or unsure.")],
    user: Annotated[str, typer.Option("--user", "-u", help="Who decides (kept with the time).")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Record a reviewer's judgement on a vendor match; later matches reuse it.

    Ingest and `vendors match` reuse it for this mention; `tenderwatch scan` re-matches
    stored documents."""
    index, folder = _index(data_dir)
    if index.get(entity_id) is None:
        raise fail(f"no vendor {entity_id!r}", Exit.NOT_FOUND)
    with open_store_or_fail(settings_for(folder)) as store:
        try:
            judgement = catalog.judgement_log(store).record(mention, entity_id, verdict, user, note)
        except ValueError as exc:
            raise fail(str(exc), Exit.INPUT_ERROR) from exc
    if output_format is OutputFormat.JSON:
        emit_json(judgement)
    else:
        console.print(
            f"recorded: {escape(mention)} {verdict.value} {entity_id} by {escape(user)}"
            f" at {judgement.created_at}; `tenderwatch scan` applies it to stored documents"
        )
