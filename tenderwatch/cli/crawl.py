"""Portal commands: ``sources ls|test`` and ``watch``. Thin shells over
:mod:`tenderwatch.crawl` (docs/crawling.md)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..crawl import (
    ADAPTERS,
    InvalidSource,
    SourceDefinition,
    WatchRound,
    atom_feed,
    load_searches,
    load_sources,
    watch_once,
)
from ..crawl.adapter import ParseError
from ..crawl.alerts import InvalidAlerts
from ..crawl.polite import PoliteFetcher
from ..fetch import FetchError, WarcWriter, make_client
from ..settings import Settings
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

sources_app = typer.Typer(help="List and try the portal source definitions.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")

SourcesDirOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--sources-dir", help="Extra folder of source definition YAML files (repeatable)."
    ),
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Treat this day (YYYY-MM-DD) as today.")
]


def _sources(extra: list[Path] | None) -> dict[str, SourceDefinition]:
    try:
        return load_sources(*(extra or []))
    except InvalidSource as exc:
        raise fail(str(exc), Exit.INPUT_ERROR) from exc


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"--date wants YYYY-MM-DD, not {text!r}", Exit.INPUT_ERROR) from exc


@sources_app.command("ls")
def sources_ls(sources_dir: SourcesDirOption = None, fmt: FormatOption = OutputFormat.TEXT) -> None:
    """List the source definitions: built-in portals plus any --sources-dir."""
    sources = _sources(sources_dir)
    if fmt is OutputFormat.JSON:
        for source in sources.values():
            emit_json(source)
        return
    table = Table("name", "region", "title", "adapter", "delay s", "recheck")
    for source in sources.values():
        table.add_row(
            source.name,
            source.region,
            escape(source.title),
            source.adapter,
            f"{source.rate.min_delay_s:g}",
            source.recheck,
        )
    console.print(table)


@sources_app.command("test")
def sources_test(
    name: str,
    sources_dir: SourcesDirOption = None,
    day: DateOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Read the first list page and first notice of NAME live, and show what was parsed."""
    sources = _sources(sources_dir)
    if name not in sources:
        raise fail(f"no source {name!r}; `tenderwatch sources ls` lists them", Exit.NOT_FOUND)
    source = sources[name]
    settings = settings_for(data_dir)
    adapter = ADAPTERS.get(source.adapter)
    start, end = source.windows(_day(day) or date.today())[-1]
    url = adapter.list_url(source, start, end, source.listing.first_page)
    with make_client(settings) as client:
        fetcher = PoliteFetcher(settings, source.rate, warc=None, client=client)
        try:
            result = fetcher.get(url)
            listing = adapter.parse_list(
                source, result.body, result.url, result.header("content-type")
            )
        except FetchError as exc:
            raise fail(f"list page {url}: {exc.reason}") from exc
        except ParseError as exc:
            raise fail(f"list page {url} did not parse: {exc}") from exc
        console.print(f"list page HTTP {result.status}: {escape(url)}")
        console.print(f"announced: {listing.announced if listing.announced is not None else '?'}")
        for entry in listing.entries:
            day_text = entry.published or "????-??-??"
            console.print(f"  {day_text}  {escape(entry.title or '')}  {escape(entry.url)}")
        if not listing.entries:
            raise fail("no notices found: the list selectors may no longer match the portal")
        first = listing.entries[0].url
        try:
            notice = fetcher.get(first)
        except FetchError as exc:
            raise fail(f"notice {first}: {exc.reason}") from exc
        page = adapter.parse_notice(source, notice.body, notice.url, notice.header("content-type"))
        console.print(f"first notice HTTP {notice.status}, {len(page.attachments)} attachment(s)")
        for link in page.attachments:
            console.print(f"  {escape(link)}")


def _print_round(result: WatchRound) -> None:
    for report in result.crawls:
        table = Table(title=f"crawl {report.source}", show_header=False)
        table.add_row("announced", str(report.announced))
        table.add_row("listed", str(report.listed))
        table.add_row("new notices", str(report.new_notices))
        table.add_row("captured", f"{report.captured} notices, {report.attachments} attachments")
        table.add_row("failed", str(len(report.failed)))
        table.add_row("requests", str(report.requests))
        console.print(table)
        for failure in report.failed:
            err_console.print(f"  [red]failed[/] {escape(failure.url)}: {escape(failure.reason)}")
        if not report.complete:
            err_console.print(f"[bold red]INCOMPLETE CRAWL of {report.source}:[/]")
            for problem in report.problems:
                err_console.print(f"  [red]•[/] {escape(problem)}")
    for checked in result.rechecks:
        for event in checked.events:
            console.print(
                f"[yellow]{event.kind.value}[/] {escape(event.url)} ({escape(event.detail)})"
            )
        for error in checked.errors:
            err_console.print(f"  [red]recheck[/] {escape(error)}")
    if result.alerts:
        console.print(f"{len(result.alerts)} alert(s); sent {result.delivery.sent}")
    for error in result.delivery.errors:
        err_console.print(f"  [red]alert delivery[/] {escape(error)}")


def _watch_round(
    settings: Settings, sources: list[SourceDefinition], today: date | None, feed: Path | None
) -> WatchRound:
    try:
        searches = load_searches(settings.alerts_file) if settings.alerts_file else []
    except InvalidAlerts as exc:
        raise fail(str(exc)) from exc
    with (
        open_store_or_fail(settings) as store,
        WarcWriter(settings.data_dir / "warc", max_file_bytes=settings.warc_max_file_bytes) as warc,
    ):
        result = watch_once(
            sources,
            settings=settings,
            store=store,
            warc=warc,
            searches=searches,
            today=today,
            progress=lambda line: console.print(f"[dim]{escape(line)}[/]"),
        )
    if feed is not None:
        feed.write_text(
            atom_feed(
                result.alerts, title="tenderwatch alerts", feed_id=f"urn:tenderwatch:{feed.name}"
            ),
            encoding="utf-8",
        )
    return result


@app.command()
def watch(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only these sources (repeatable).")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run one round and exit (for cron).")
    ] = False,
    sources_dir: SourcesDirOption = None,
    day: DateOption = None,
    feed: Annotated[
        Path | None, typer.Option("--feed", help="Write this round's alerts as an Atom feed here.")
    ] = None,
    data_dir: DataDirOption = None,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Crawl portals, capture new notices, track takedowns and send alerts.

    Exits 2 when a crawl came back incomplete.
    """
    settings = settings_for(data_dir)
    known = _sources(sources_dir)
    unknown = sorted(set(source or []) - set(known))
    if unknown:
        raise fail(
            f"unknown source(s) {', '.join(unknown)}; see `tenderwatch sources ls`", Exit.NOT_FOUND
        )
    chosen = [known[n] for n in (source or list(known))]
    while True:
        result = _watch_round(settings, chosen, _day(day), feed)
        if fmt is OutputFormat.JSON:
            emit_json(result)
        else:
            _print_round(result)
        if once:
            raise typer.Exit(int(Exit.OK if result.complete else Exit.INPUT_ERROR))
        time.sleep(settings.watch_interval_s)
