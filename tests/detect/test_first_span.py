"""A context signal that is a plain any-of quotes only its first evidence span, found by
one search from the start of the text (signals.py): the leftmost match extended by every
match overlapping it, whichever atoms they come from."""

from __future__ import annotations

from pathlib import Path

from tenderwatch.detect import RuleSet, load_ruleset, scan_text
from tenderwatch.detect.engine import compiled

RULES = """\
category: context
title: Overlapping signal literals (test rules)
description: Literals that overlap, shared between rules.
rules:
  - id: context.capability.video
    title: Video surveillance
    severity: low
    signal: true
    languages: [zh-Hans]
    description: Video surveillance systems.
    rationale: Capability.
    match:
      any:
        - literal: [视频监控系统, 系统平台, 平台建设, 设项目]
        - regex: '监控(?:系统)?'
    examples:
      match: [视频监控系统平台]
  - id: context.capability.platform
    title: Platform
    severity: low
    signal: true
    languages: [zh-Hans]
    description: Platforms.
    rationale: Capability.
    match:
      literal: [系统平台, 平台建设]
    examples:
      match: [系统平台]
  - id: context.capability.video_network
    title: Video network (not a signal)
    severity: low
    languages: [zh-Hans]
    description: Video networks.
    rationale: Capability.
    references:
      - title: Example report title used only in tests
        publisher: Test Publisher
        date: 2020-11
        url: https://example.org/report
    match:
      literal: [视频专网]
    examples:
      match: [视频专网]
"""


def _ruleset(tmp_path: Path) -> RuleSet:
    (tmp_path / "context.yaml").write_text(RULES, encoding="utf-8")
    return load_ruleset([tmp_path])


def test_signal_quotes_the_union_of_its_first_hits(tmp_path: Path, matcher: str) -> None:
    ruleset = _ruleset(tmp_path)
    program, _ = compiled(ruleset, matcher)
    quoted = {rule.rule.id for rule in program.rules if rule.quoted_once}
    # video_network is no signal: every hit of it is evidence, quoted in full
    assert quoted == {"context.capability.video", "context.capability.platform"}
    # 视频监控系统, 系统平台, 平台建设 and 设项目 chain into one span (the last does not touch the
    # first); the later matches are never looked for.
    text = "甲视频监控系统平台建设项目乙，监控，系统平台，视频专网，平台建设，视频专网"
    flags = scan_text(text, ruleset, matcher=matcher).flags
    assert [(f.rule, f.text, f.start) for f in flags] == [
        ("context.capability.video", "视频监控系统平台建设项目", 1),
        ("context.capability.platform", "系统平台建设", 5),
        ("context.capability.video_network", "视频专网", 23),
        ("context.capability.video_network", "视频专网", 33),
    ]
