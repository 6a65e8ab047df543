"""Rule files are validated strictly; errors name the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenderwatch.detect import RuleError, load_ruleset
from tenderwatch.detect.compiler import compile_ruleset
from tenderwatch.detect.engine import compiled
from tenderwatch.detect.matchers import MATCHERS

from .conftest import RULES

GOOD = """\
category: demo
title: Demo
description: Demo rules.
patterns:
  school: {regex: '民族中学'}
rules:
  - id: demo.one
    title: One
    severity: high
    languages: [zh-Hans]
    description: d
    rationale: r
    references:
      - {title: T, publisher: P, date: 2020-11-17, url: "https://example.org/x"}
    match: {literal: [维吾尔]}
    examples: {match: [维吾尔族]}
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, name: str = "demo.yaml") -> str:
    with pytest.raises(RuleError) as caught:
        load_ruleset([write(tmp_path, text, name)])
    return str(caught.value)


def test_good_file_loads_with_content_version(tmp_path: Path) -> None:
    ruleset = load_ruleset([write(tmp_path, GOOD)])
    assert [r.id for r in ruleset.rules] == ["demo.one"]
    assert ruleset.version.endswith("-1")
    changed = load_ruleset([write(tmp_path, GOOD.replace("title: One", "title: Uno"))])
    assert changed.version != ruleset.version


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("severity: high", "severity: severe"), "rule demo.one: field severity"),
        (
            ("    rationale: r\n", "    rationale: r\n    colour: red\n"),
            "rule demo.one: field colour",
        ),
        (
            ("match: {literal: [维吾尔]}", "match: {literal: x, regex: y}"),
            "field match: a pattern node",
        ),
        (
            (
                "match: {literal: [维吾尔]}",
                "match: {near: {within: 0, patterns: [{literal: a}, {literal: b}]}}",
            ),
            "field match.near.within",
        ),
        (
            (
                "match: {literal: [维吾尔]}",
                "match: {near: {patterns: [{literal: a}, {literal: b}]}}",
            ),
            "exactly one of `within` or `scope`",
        ),
        (("match: {literal: [维吾尔]}", "match: {regex: '(?<=a)b'}"), "lookaround"),
        (("match: {literal: [维吾尔]}", "match: {regex: 'a*'}"), "matches the empty string"),
        (("match: {literal: [维吾尔]}", "match: {regex: '(a'}"), "invalid regular expression"),
        (
            ("match: {literal: [维吾尔]}", "match: {regex: '维\\s?吾尔'}"),
            "removes whitespace between Chinese characters",
        ),
        (
            ("match: {literal: [维吾尔]}", "match: {ref: nothing}"),
            "rule demo.one: field match: unknown ref 'nothing'",
        ),
        (
            (
                '    references:\n      - {title: T, publisher: P, date: 2020-11-17, url: "https://example.org/x"}\n',
                "",
            ),
            "at least one public reference",
        ),
        (("date: 2020-11-17", "date: last year"), "field references.0.date"),
        (("id: demo.one", "id: other.one"), "must start with 'demo.'"),
        (("examples: {match: [维吾尔族]}", "examples: {match: []}"), "field examples.match"),
    ],
)
def test_errors_name_file_rule_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GOOD
    message = error_of(tmp_path, GOOD.replace(old, new))
    assert message.startswith("demo.yaml")
    assert expected in message


def test_category_must_match_file_name(tmp_path: Path) -> None:
    assert "must equal the file name stem 'other'" in error_of(tmp_path, GOOD, "other.yaml")


def test_invalid_yaml_and_wrong_shapes(tmp_path: Path) -> None:
    assert "invalid YAML" in error_of(tmp_path, "category: [unclosed")
    assert "is a mapping" in error_of(tmp_path, "- just a list")
    with pytest.raises(RuleError, match="no such rule file"):
        load_ruleset([tmp_path / "missing.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleError, match="no rule files"):
        load_ruleset([tmp_path / "empty"])


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("demo.one", "demo.x.one"))
    nested = GOOD.replace("category: demo", "category: demo.x").replace("demo.one", "demo.x.one")
    write(tmp_path, nested, "demo.x.yaml")
    with pytest.raises(RuleError, match=r"rule demo\.x\.one: id already used in demo"):
        load_ruleset([tmp_path])


def test_circular_named_patterns(tmp_path: Path) -> None:
    text = GOOD.replace("  school: {regex: '民族中学'}", "  a: {ref: b}\n  b: {any: [{ref: a}]}")
    assert "circular refs a -> b -> a" in error_of(tmp_path, text)


@pytest.mark.skipif("hyperscan" not in MATCHERS, reason="hyperscan is not installed here")
def test_regex_hyperscan_cannot_compile_names_the_rule(tmp_path: Path) -> None:
    # Atomic groups pass Python's `re` (3.11+) but not hyperscan: the error names the rule.
    text = GOOD.replace("match: {literal: [维吾尔]}", "match: {regex: 'a(?>bc)'}")
    ruleset = load_ruleset([write(tmp_path, text)])
    with pytest.raises(RuleError, match=r"demo\.yaml: rule demo\.one: regex 'a\(\?>bc\)'"):
        compiled(ruleset, "hyperscan")


def test_literals_are_normalized_and_shared(tmp_path: Path) -> None:
    text = GOOD.replace("[维吾尔]", "[維吾爾, 维吾尔, ＵＹＧＨＵＲ]")
    program = compile_ruleset(load_ruleset([write(tmp_path, text)]))
    assert sorted(a.pattern for a in program.atoms) == ["uyghur", "维吾尔"]


def test_test_rules_load() -> None:
    assert len(load_ruleset([RULES]).rules) >= 5
