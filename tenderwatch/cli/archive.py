"""Archive commands: ingest, ls, show, search, stats, scan. Thin shells over
:mod:`tenderwatch.ingest`, :mod:`tenderwatch.sources` and :mod:`tenderwatch.store`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from ..facts.model import NoticeFacts
from ..ingest import IngestEvent, IngestSummary, Outcome, WorkerError, ingest, rescan
from ..model import Risk
from ..settings import Settings
from ..sources import iter_inputs
from ..store.base import (
    SearchHit,
    VendorMatch,
    VendorMention,
)
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

RISK_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "none": "dim"}


def _risk(risk: str | None) -> str:
    if risk is None:
        return "[dim]unscanned[/]"
    return f"[{RISK_STYLE.get(risk, '')}]{risk}[/]"


def _print_summary(summary: IngestSummary) -> None:
    table = Table(title="ingest summary", show_header=False)
    table.add_row("[green]new[/]", str(summary.new))
    table.add_row("duplicate", str(summary.duplicate))
    table.add_row("[red]failed[/]" if summary.failed else "failed", str(len(summary.failed)))
    for status, count in sorted(summary.by_status.items()):
        table.add_row(f"  new, {status}", str(count))
    for risk, count in sorted(summary.by_risk.items()):
        table.add_row(f"  new, risk {_risk(risk)}", str(count))
    console.print(table)
    if summary.failed:
        failures = Table(title="failed inputs", show_lines=False)
        failures.add_column("input", overflow="fold")
        failures.add_column("reason", overflow="fold")
        for failure in summary.failed[:100]:
            failures.add_row(escape(failure.source), escape(failure.reason))
        console.print(failures)
        if len(summary.failed) > 100:
            console.print(
                f"... and {len(summary.failed) - 100} more; `tenderwatch stats` lists errors"
            )


@app.command("ingest")
def ingest_command(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Files, folders, .zip, .warc(.gz) or http(s) URLs.")
    ] = None,
    urls: Annotated[
        list[Path] | None,
        typer.Option("--urls", help="Text file with one URL per line (# comments); repeatable."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Extraction processes [default: one per core].")
    ] = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Archive documents with provenance, extract their text and scan them.

    Exit code 2 when any input could not be read (each one is listed with the reason).
    """
    if not targets and not urls:
        raise fail(
            "nothing to ingest: give files, folders or URLs, or --urls FILE", Exit.INPUT_ERROR
        )
    settings = settings_for(data_dir, workers=workers)
    try:
        summary = _ingest(settings, targets or [], urls or [], output_format)
    except WorkerError as exc:
        raise fail(f"{exc}. Check the rule set with `tenderwatch rules test`.") from exc
    if summary.failed:
        raise typer.Exit(int(Exit.INPUT_ERROR))


def _ingest(
    settings: Settings, targets: list[str], urls: list[Path], output_format: OutputFormat
) -> IngestSummary:
    with open_store_or_fail(settings) as store:
        inputs = iter_inputs(targets, settings=settings, url_lists=urls)
        if output_format is OutputFormat.JSON:
            summary = ingest(inputs, settings=settings, store=store)
            emit_json(summary)
        else:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.fields[counts]}"),
                console=err_console,
                transient=True,
            ) as bar:
                task = bar.add_task("ingesting", counts="")
                tally = {outcome: 0 for outcome in Outcome}

                def show(event: IngestEvent) -> None:
                    tally[event.outcome] += 1
                    counts = " ".join(f"{o.value} {n}" for o, n in tally.items())
                    bar.update(task, description=escape(event.label[-60:]), counts=counts)

                summary = ingest(inputs, settings=settings, store=store, progress=show)
            _print_summary(summary)
    return summary


@app.command("ls")
def ls_command(
    status: Annotated[list[str] | None, typer.Option(help="ok, needs_ocr, empty, failed.")] = None,
    risk: Annotated[
        list[Risk] | None, typer.Option(help="Only documents scanned at this risk.")
    ] = None,
    media_type: Annotated[list[str] | None, typer.Option(help="e.g. text/html.")] = None,
    region: Annotated[
        str | None,
        typer.Option(help="Buyer's GB/T 2260 division code, e.g. 650000 (sub-divisions too)."),
    ] = None,
    vendor: Annotated[
        str | None, typer.Option(help="Vendor id matched in the document (e.g. hikvision).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most documents listed; 0 for all.")] = 50,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """List stored documents, newest first (options repeat to allow several values)."""
    with open_store_or_fail(settings_for(data_dir)) as store:
        records = store.list_documents(
            status=status,
            risk=[r.value for r in risk] if risk else None,
            media_type=media_type,
            region=region,
            vendor=vendor,
            limit=limit or None,
        )
    if output_format is OutputFormat.JSON:
        for record in records:
            emit_json(record)
        return
    table = Table(show_lines=False)
    for column in ("id", "risk", "status", "media type", "size", "title"):
        table.add_column(column, overflow="fold" if column == "title" else "ellipsis")
    for r in records:
        table.add_row(
            r.id[:12],
            _risk(r.risk),
            r.status.value,
            r.media_type,
            str(r.size),
            escape(r.title or ""),
        )
    console.print(table)


@app.command("show")
def show_command(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id or a unique prefix.")],
    text: Annotated[bool, typer.Option("--text", help="Print the extracted text only.")] = False,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """One document: metadata, captures, facts, vendor matches, pages and flags.

    Captures carry their provenance; facts and flags quote the original text."""
    with open_store_or_fail(settings_for(data_dir)) as store:
        full_id = store.resolve_id(doc_id)
        record = store.document(full_id)
        pages = store.pages(full_id)
        captures = store.captures(full_id)
        flags = store.flags(full_id)
        scan = store.latest_scan(full_id)
        facts = store.facts(full_id)
        mentions = store.vendor_mentions(full_id)
    if text:
        console.print("\f".join(p.text for p in pages), markup=False, highlight=False)
        return
    if output_format is OutputFormat.JSON:
        emit_json(
            {
                "document": record.model_dump(mode="json"),
                "scan": scan.model_dump(mode="json") if scan else None,
                "captures": [c.model_dump(mode="json") for c in captures],
                "pages": [p.model_dump(mode="json", exclude={"normalized"}) for p in pages],
                "flags": [f.model_dump(mode="json") for f in flags],
                "facts": facts.model_dump(mode="json") if facts else None,
                "vendor_mentions": [m.model_dump(mode="json") for m in mentions],
            }
        )
        return
    meta = Table(show_header=False, title=escape(record.title or record.id))
    for name, value in (
        ("id", record.id),
        ("media type", record.media_type),
        ("size", str(record.size)),
        ("status", record.status.value),
        ("extractor", record.extractor or ""),
        ("charset", record.charset or ""),
        ("error", record.error or ""),
        ("extracted at", record.extracted_at.isoformat()),
        ("pages", str(len(pages))),
    ):
        meta.add_row(name, escape(value))
    meta.add_row("risk", _risk(record.risk))
    if scan:
        meta.add_row("reasons", escape("; ".join(scan.reasons)))
        meta.add_row("rule set", escape(scan.ruleset_version))
    console.print(meta)
    cap = Table(title="captures")
    for column in ("when", "kind", "source", "status", "WARC"):
        cap.add_column(column, overflow="fold")
    for c in captures:
        where = c.source + (f" ! {c.member}" if c.member and c.member != c.source else "")
        warc = f"{c.warc_file}@{c.warc_offset}" if c.warc_file else ""
        cap.add_row(
            c.captured_at.isoformat(),
            c.kind.value,
            escape(where),
            str(c.http_status or ""),
            escape(warc),
        )
    console.print(cap)
    if facts is not None:
        _print_facts(facts)
    if mentions:
        _print_mentions(mentions)
    if flags:
        ft = Table(title="flags")
        for column in ("rule", "severity", "page", "evidence"):
            ft.add_column(column, overflow="fold")
        for f in flags:
            rule = f.rule + (" (signal)" if f.signal else "")
            ft.add_row(escape(rule), f.severity.value, str(f.page), escape(f.context))
        console.print(ft)


def _print_facts(facts: NoticeFacts) -> None:
    table = Table(title="procurement facts", show_header=False)
    table.add_column("fact")
    table.add_column("value", overflow="fold")
    rows: list[tuple[str, str]] = []
    if facts.notice_type:
        rows.append(("notice type", facts.notice_type.value.value))
    for name in ("project_code", "project_name", "buyer", "agency", "delivery_place"):
        fact = getattr(facts, name)
        if fact is not None:
            rows.append((name.replace("_", " "), f"{fact.value}  [p{fact.source.page}]"))
    rows += [("winner", f"{s.value}  [p{s.source.page}]") for s in facts.suppliers]
    for a in facts.amounts:
        value = f"{a.value:,} {a.currency}" if a.value is not None else f"unreadable: {a.error}"
        lot = f" (lot {a.lot})" if a.lot else ""
        rows.append((f"amount, {a.role.value}{lot}", f"{value}  「{a.source.text}」"))
    for d in facts.dates:
        value = d.value.isoformat() if d.value else f"unreadable: {d.error}"
        rows.append((f"date, {d.role.value}", f"{value}  「{d.source.text}」"))
    for r in facts.regions:
        path = " › ".join(f"{x.name} {x.code}" for x in r.path)
        rows.append((f"region, {r.role}", path + (" (autonomous)" if r.autonomous else "")))
    for i in facts.items:
        parts = [i.name, i.brand, i.model, f"× {i.quantity} {i.unit or ''}" if i.quantity else None]
        rows.append(("item", " | ".join(p for p in parts if p)))
    rows += [("product", f"{p.maker} {p.model} ({p.family})") for p in facts.products]
    rows += [("unreadable", e) for e in facts.errors]
    for name, value in rows:
        table.add_row(name, escape(value))
    console.print(table)


def _print_mentions(mentions: list[VendorMention]) -> None:
    table = Table(title="vendor matches")
    for column in ("role", "page", "mention", "entity", "score", "decision", "why"):
        table.add_column(column, overflow="fold")
    for m in mentions:
        matches: list[VendorMatch | None] = [*m.matches] or [None]
        for x in matches:
            why = str(x.features[0].get("why", "")) if x and x.features else ""
            table.add_row(
                m.role.value,
                str(m.page),
                escape(m.text),
                x.entity_id if x else "",
                f"{x.score:g}" if x else "",
                x.decision if x else "no match",
                escape(why),
            )
    console.print(table)


def _print_hit(hit: SearchHit) -> None:
    console.print(
        f"[bold]{hit.doc_id[:12]}[/] {_risk(hit.risk.value if hit.risk else None)} "
        f"{escape(hit.title or '')} [dim]{hit.media_type}, "
        f"pages {', '.join(map(str, hit.pages[:10]))}[/]"
    )
    for snippet in hit.snippets:
        parts, position = [], 0
        for start, end in snippet.highlights:
            parts += [
                escape(snippet.text[position:start]),
                f"[reverse yellow]{escape(snippet.text[start:end])}[/]",
            ]
            position = end
        parts.append(escape(snippet.text[position:]))
        console.print(f"  [dim]p{snippet.page}[/] …{''.join(parts)}…")


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Words or Chinese terms; all must occur.")],
    limit: Annotated[int, typer.Option(help="Most documents returned.")] = 20,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Full-text search over normalized text, with snippets quoting the original."""
    with open_store_or_fail(settings_for(data_dir)) as store:
        hits = store.search(query, limit=limit)
    if output_format is OutputFormat.JSON:
        for hit in hits:
            emit_json(hit)
        return
    if not hits:
        console.print(f"no documents match {escape(query)!r}")
        return
    for hit in hits:
        _print_hit(hit)


@app.command("stats")
def stats_command(
    data_dir: DataDirOption = None, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """Counts by status, media type and risk, and the latest input errors."""
    with open_store_or_fail(settings_for(data_dir)) as store:
        stats = store.stats()
    if output_format is OutputFormat.JSON:
        emit_json(stats)
        return
    totals = Table(title="archive", show_header=False)
    for name in ("documents", "pages", "captures", "errors"):
        totals.add_row(name, str(getattr(stats, name)))
    console.print(totals)
    for title, counts in (
        ("status", stats.by_status),
        ("media type", stats.by_media_type),
        ("risk", stats.by_risk),
    ):
        table = Table(title=f"by {title}")
        table.add_column(title)
        table.add_column("documents", justify="right")
        for key, count in counts.items():
            table.add_row(
                _risk(key) if title == "risk" and key in RISK_STYLE else escape(key), str(count)
            )
        console.print(table)
    if stats.recent_errors:
        errors = Table(title="latest errors")
        for column in ("when", "input", "reason"):
            errors.add_column(column, overflow="fold")
        for e in stats.recent_errors:
            label = e.source + (f" ! {e.member}" if e.member else "")
            errors.add_row(e.at.isoformat(timespec="seconds"), escape(label), escape(e.reason))
        console.print(errors)


@app.command("scan")
def scan_command(
    data_dir: DataDirOption = None, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """Re-scan every stored document with the current rules; decisions are kept.

    Also re-reads each document's facts and re-matches its vendors, then re-links
    processes. Reviewers' decisions and vendor judgements are kept."""
    settings = settings_for(data_dir)
    with (
        open_store_or_fail(settings) as store,
        Progress(
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=output_format is OutputFormat.JSON,
        ) as bar,
    ):
        task = bar.add_task("scan", total=store.count_documents())
        summary = rescan(store, settings=settings, progress=lambda _doc, _risk: bar.advance(task))
    if output_format is OutputFormat.JSON:
        emit_json(summary)
        return
    table = Table(title=f"scan with rule set {escape(summary.ruleset_version)}", show_header=False)
    table.add_row("documents scanned", str(summary.documents))
    table.add_row("unreadable, skipped", str(summary.skipped))
    table.add_row("procurement processes", str(summary.processes))
    for risk in Risk:
        table.add_row(f"risk {_risk(risk.value)}", str(summary.by_risk.get(risk.value, 0)))
    console.print(table)
