"""Scanning a batch (scan_texts, scan_many) gives what scanning each document alone gives,
and the per-document shortcuts (candidate rules from atom presence) agree with the rule
conditions they stand for."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from tenderwatch.detect import RuleSet, load_ruleset, scan, scan_many, scan_text, scan_texts
from tenderwatch.detect.compiler import AnyOf, AtomKind, Leaf, Node
from tenderwatch.detect.engine import compiled
from tenderwatch.detect.matchers import MATCHERS
from tenderwatch.model import Extraction, Page
from tenderwatch.normalize import normalize

CASES = Path(__file__).parents[1] / "eval" / "cases"

ROWS = ["台式计算机", "网络摄像机", "高清球机", "人脸识别门禁", "GPU服务器", "办公桌椅", "图书"]
CLAUSES = [
    "供应商须具有独立承担民事责任的能力。",
    "视频监控系统应支持7×24小时不间断录像。",
    "系统应支持人脸抓拍、车辆识别及与公安视频专网对接。",
    "某某民族中学食堂人脸识别消费机一批。",
    "斋月期间食堂提供清真餐。",
]


def _labelled_texts() -> list[str]:
    texts = []
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else data.get("cases") or []
        texts.extend(case["text"] for case in items if isinstance(case, dict) and "text" in case)
    return texts


def _notices(count: int, seed: int) -> list[str]:
    """Notices shaped like the benchmark's: item rows, clauses, now and then a finding."""
    rng = random.Random(seed)
    labelled = _labelled_texts()
    texts = []
    for n in range(count):
        lines = [f"某某市公安局{rng.choice(ROWS)}采购项目公开招标公告"]
        lines += [f"{i + 1}\t{rng.choice(ROWS)}\t{rng.randint(1, 99)}台" for i in range(5)]
        lines += [rng.choice(CLAUSES) for _ in range(rng.randint(1, 6))]
        if n % 5 == 0:
            lines.insert(rng.randint(1, len(lines)), rng.choice(labelled))
        texts.append(("\f" if n % 7 == 0 else "\n").join(lines))
    return texts


@pytest.fixture(scope="module")
def bundled() -> RuleSet:
    return load_ruleset()


def test_labelled_cases_are_found() -> None:
    assert len(_labelled_texts()) > 20  # the batch tests below need real findings


def test_scan_texts_equals_scanning_one_by_one(bundled: RuleSet, matcher: str) -> None:
    texts = _notices(120, seed=3) + _labelled_texts()
    texts.append(texts[0])  # the same text twice in one batch
    expected = [scan_text(text, bundled, matcher=matcher) for text in texts]
    assert any(result.flags for result in expected)
    assert any(not result.flags for result in expected)
    assert scan_texts(texts, bundled, matcher=matcher) == expected
    normalized = [normalize(text) for text in texts]
    assert scan_texts(texts, bundled, matcher=matcher, normalized=normalized) == expected


def test_scan_many_equals_scan(bundled: RuleSet, matcher: str) -> None:
    texts = _notices(40, seed=5)
    extractions = [
        Extraction(
            media_type="text/plain",
            extractor="test",
            pages=[Page(number=1, text=a), Page(number=2, text=b)],
        )
        for a, b in zip(texts[::2], texts[1::2], strict=True)
    ]
    expected = [scan(extraction, bundled, matcher=matcher) for extraction in extractions]
    assert any(flag.page == 2 for result in expected for flag in result.flags)
    assert scan_many(extractions, bundled, matcher=matcher) == expected


def test_batch_needs_one_normalization_per_document(bundled: RuleSet) -> None:
    with pytest.raises(ValueError, match="2 documents but 1 normalized"):
        scan_texts(["一", "二"], bundled, normalized=[normalize("一")])
    assert scan_texts([], bundled) == []


def _can_match(node: Node, present: set[int]) -> bool:
    """Whether atom presence allows the match tree, walked as a tree (the reference)."""
    if isinstance(node, Leaf):
        return not present.isdisjoint(node.atoms)
    found = [_can_match(child, present) for child in node.children]
    return any(found) if isinstance(node, AnyOf) else all(found)


def test_candidates_are_the_rules_whose_condition_holds(bundled: RuleSet) -> None:
    # Program.candidates reads each rule's match tree as clauses of atom groups, and skips
    # the check where one atom of the rule is enough.
    program, _ = compiled(bundled)
    rng = random.Random(13)
    atoms = list(range(len(program.atoms)))
    assert any(rule.needs_check for rule in program.rules)
    assert any(not rule.needs_check for rule in program.rules)
    for _ in range(2000):
        present = set(rng.sample(atoms, rng.randint(0, 6)))
        # Most draws take part of a rule's own atoms, so that the combinations rules need
        # occur, in part or in full.
        for _ in range(rng.randint(0, 3)):
            own = sorted(rng.choice(program.rules).atoms)
            present |= set(rng.sample(own, rng.randint(1, len(own))))
        expected = [
            rule
            for rule in program.rules
            if not present.isdisjoint(rule.atoms) and _can_match(rule.match, present)
        ]
        assert program.candidates(present) == expected, present


def test_first_pass_skips_atoms_only_in_exclusions(bundled: RuleSet, matcher: str) -> None:
    # A quarter of the bundled atoms only veto: they are looked for in the second pass.
    program, found_by = compiled(bundled, matcher)
    vetoes = [a for a in program.atoms if not a.in_match and a.kind is AtomKind.LITERAL]
    assert vetoes
    matching = next(a for a in program.atoms if a.in_match and a.kind is AtomKind.LITERAL)
    for atom in vetoes:
        present = found_by.present(f"{atom.pattern}。{matching.pattern}")
        assert matching.id in present
        assert atom.id not in present, atom


@pytest.mark.skipif(len(MATCHERS) < 2, reason="only one matcher available here")
def test_second_pass_per_rule_agrees_across_matchers(bundled: RuleSet) -> None:
    # Hyperscan scans one database per evaluated rule; atoms that two rules share (the
    # ethnic terms of ethnic.alert.*) must be collected once, as the python matcher does.
    program, _ = compiled(bundled)
    found_by = {name: compiled(bundled, name)[1] for name in MATCHERS.names()}
    evaluated = [rule for rule in program.rules if not rule.quoted_once]
    shared = [
        (a, b)
        for i, a in enumerate(evaluated)
        for b in evaluated[i + 1 :]
        if a.find_atoms & b.find_atoms
    ]
    assert shared
    rng = random.Random(5)
    texts = _labelled_texts() + _notices(40, seed=5)
    for _ in range(300):
        text = normalize(rng.choice(texts) + rng.choice(CLAUSES) + rng.choice(texts)).text
        rules = [rule.find_atoms for rule in rng.choice(shared)]
        rules += [rule.find_atoms for rule in rng.sample(evaluated, rng.randint(0, 2))]
        found = [matcher.find(text, 1_000_000, rules) for matcher in found_by.values()]
        assert all(f == found[0] for f in found[1:]), text
        assert found[0][1]


def test_hit_limit_counts_the_hits_of_every_rule(bundled: RuleSet, matcher: str) -> None:
    # The limit is on the hits of one document, not of each rule's database.
    program, found_by = compiled(bundled, matcher)
    rules = [rule.find_atoms for rule in program.rules if rule.rule.id.startswith("ethnic.alert.")]
    text = normalize("维吾尔族人员聚集预警。" * 3).text
    hits, complete = found_by.find(text, 1_000_000, rules)
    total = sum(len(spans) for spans in hits.values())
    assert complete and total > 4
    assert not found_by.find(text, total - 1, rules)[1]


def test_gated_presence_gives_the_candidates_of_full_presence(bundled: RuleSet) -> None:
    # Hyperscan's first pass reports only gates unless a gate of a checked rule occurs:
    # candidates must equal those from every atom present (the python matcher's report).
    program, _ = compiled(bundled)
    words = [atom.pattern for atom in program.atoms if atom.kind is AtomKind.LITERAL]
    assert program.checked_gates and program.checked_gates < program.gates
    every = compiled(bundled, "python")[1]  # reports every atom of match trees present
    rng = random.Random(17)
    gated = 0
    for name in MATCHERS.names():
        found_by = compiled(bundled, name)[1]
        for _ in range(400):
            text = normalize("，".join(rng.choices(words, k=rng.randint(1, 8)))).text
            present = found_by.present(text)
            full = set(every.present(text))
            assert program.gates & full <= present.keys() <= full, text
            assert program.candidates(present.keys()) == program.candidates(full), text
            gated += len(present) < len(full)
    if "hyperscan" in MATCHERS:
        assert gated  # some texts held generic atoms that the gated pass left out
