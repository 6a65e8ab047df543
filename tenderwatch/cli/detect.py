"""`tenderwatch rules ls|show|test` and `tenderwatch check`: thin shells over tenderwatch.detect."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..detect import RuleError, RuleSet, load_ruleset
from ..detect.check import CheckResult, check_file, walk
from ..detect.engine import CONTEXT_CHARS
from ..detect.evaluation import POSITIVE_RISKS
from ..detect.examples import check_examples
from ..model import Risk
from .app import (
    DataDirOption,
    Exit,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit_json,
    fail,
    settings_for,
)

rules_app = typer.Typer(help="Document and test the detection rule set.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", "-r", help="Rule files or folders [default: the bundled rule set]."),
]
_RISK_STYLE = {Risk.NONE: "green", Risk.LOW: "cyan", Risk.MEDIUM: "yellow", Risk.HIGH: "bold red"}


def _ruleset(paths: list[Path] | None) -> RuleSet:
    try:
        return load_ruleset(paths or None)
    except RuleError as exc:
        raise fail(f"invalid rule set:\n{exc}") from None


@rules_app.command("ls")
def rules_ls(
    category: Annotated[str | None, typer.Option(help="Only rules of this category.")] = None,
    rules: RulesOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """List the rules: id, severity, title and the public references behind each."""
    ruleset = _ruleset(rules)
    chosen = [r for r in ruleset.rules if category is None or r.id.startswith(category + ".")]
    if output_format is OutputFormat.JSON:
        for rule in chosen:
            emit_json(rule.model_dump(mode="json", exclude={"match", "exclude", "examples"}))
        return
    table = Table(title=f"rule set {ruleset.version}")
    for column in ("id", "severity", "title", "references"):
        table.add_column(column)
    for rule in chosen:
        refs = "\n".join(f"{r.publisher}, {r.date}: {r.title}" for r in rule.references)
        severity = "signal" if rule.signal else rule.severity.value
        table.add_row(rule.id, severity, escape(rule.title), escape(refs))
    console.print(table)


@rules_app.command("show")
def rules_show(
    rule_id: str, rules: RulesOption = None, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """Show one rule in full: description, rationale, references, patterns, examples."""
    ruleset = _ruleset(rules)
    try:
        rule = ruleset.rule(rule_id)
    except KeyError:
        raise fail(f"no rule {rule_id!r}; see `tenderwatch rules ls`", Exit.NOT_FOUND) from None
    data = rule.model_dump(mode="json", exclude_none=True)
    if output_format is OutputFormat.JSON:
        emit_json(data)
    else:
        console.print_json(data=data, ensure_ascii=False)


@rules_app.command("test")
def rules_test(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Rule files or folders [default: bundled].")
    ] = None,
) -> None:
    """Run every rule's match/no_match examples; exit 4 on any failure."""
    ruleset = _ruleset(paths)
    try:
        failures = check_examples(ruleset)
    except RuleError as exc:
        raise fail(f"invalid rule set:\n{exc}") from None
    for failure in failures:
        console.print(f"[red]FAIL[/] {escape(str(failure))}")
    total = sum(len(r.examples.match) + len(r.examples.no_match) for r in ruleset.rules)
    console.print(f"{total - len(failures)}/{total} examples pass ({len(ruleset.rules)} rules)")
    if failures:
        raise typer.Exit(int(Exit.FAILED))


def _print_check(result: CheckResult, titles: dict[str, str]) -> None:
    if result.error or result.scan is None or result.extraction is None:
        console.print(
            f"[bold]{escape(str(result.path))}[/]: [red]error[/] {escape(str(result.error))}"
        )
        return
    risk = result.scan.risk
    console.print(f"[bold]{escape(str(result.path))}[/]: [{_RISK_STYLE[risk]}]{risk.value}[/]")
    for reason in result.scan.reasons:
        console.print(f"  [dim]{escape(reason)}[/]")
    text = result.extraction.text
    for flag in result.scan.flags:
        title = titles[flag.rule]
        kind = "signal" if flag.signal else flag.severity.value
        before = text[max(0, flag.start - CONTEXT_CHARS) : flag.start]
        after = text[flag.end : flag.end + CONTEXT_CHARS]

        def clean(part: str) -> str:
            return escape(" ".join(part.split()))

        console.print(f"  p.{flag.page} {escape(f'[{kind}]')} {flag.rule} — {escape(title)}")
        console.print(f"    …{clean(before)}[reverse bold]{clean(flag.text)}[/]{clean(after)}…")


@app.command("check")
def check_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked) to check.")],
    rules: RulesOption = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Extract and scan files like a linter, without a database.

    Suppliers and makers on a public list (the shipped vendors, and lists imported into
    the data folder) add their signal as at ingest. Exit 0 when every document is none/low
    risk, 1 when any is medium/high, 2 when any input could not be read (2 wins over 1).
    """
    from ..vendors import build_index
    from ..vendors.signal import RULE_ID, TITLE

    ruleset = _ruleset(rules)
    settings = settings_for(data_dir)
    vendors = build_index(settings.data_dir)
    titles = {rule.id: rule.title for rule in ruleset.rules} | {RULE_ID: TITLE}
    unreadable = findings = False
    for path in walk(paths):
        result = check_file(path, ruleset, settings, vendors)
        unreadable = unreadable or result.error is not None
        findings = findings or (result.scan is not None and result.scan.risk in POSITIVE_RISKS)
        if output_format is OutputFormat.JSON:
            emit_json(result.to_json())
        else:
            _print_check(result, titles)
    code = Exit.INPUT_ERROR if unreadable else Exit.FINDINGS if findings else Exit.OK
    raise typer.Exit(int(code))
