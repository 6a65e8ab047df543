"""Loading rule files into a :class:`RuleSet`, with errors that name file, rule and field."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .schema import NODE_KINDS, AllNode, AnyNode, NearNode, PatternNode, RefNode, Rule, RuleFile

BUNDLED_RULES = Path(__file__).resolve().parent.parent / "rules"
T = TypeVar("T")


class RuleError(Exception):
    """A rule file could not be loaded; the message names the file, rule and field."""


@dataclass(frozen=True)
class RuleSource:
    path: Path
    file: RuleFile


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Validated rule files plus a version that changes whenever any of them does."""

    sources: tuple[RuleSource, ...]
    version: str
    # What scanning derives from the rules (program, matchers, quote finders), see cached().
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """What ``build`` derives from this rule set, built on first use and kept as long
        as the rule set (whose version changes with any rule)."""
        if key not in self.cache:
            self.cache[key] = build()
        return cast(T, self.cache[key])

    @property
    def rules(self) -> list[Rule]:
        return [rule for source in self.sources for rule in source.file.rules]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def source_of(self, rule_id: str) -> RuleSource:
        for source in self.sources:
            if any(rule.id == rule_id for rule in source.file.rules):
                return source
        raise KeyError(rule_id)


def _rule_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.yaml")))
        elif path.is_file():
            found.append(path)
        else:
            raise RuleError(f"{path}: no such rule file or folder")
    if not found:
        raise RuleError(f"no rule files (*.yaml) in {', '.join(map(str, paths))}")
    return found


def _describe(path: Path, raw: Any, error: ErrorDetails) -> str:
    loc = list(error["loc"])
    where = f"{path.name}"
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = raw.get("rules") if isinstance(raw, dict) else None
        item = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        rule_id = item.get("id") if isinstance(item, dict) else None
        where += f": rule {rule_id or '#' + str(loc[1] + 1)}"
        loc = loc[2:]
    # Tagged unions repeat the node kind in the location (match.near.near.within).
    parts: list[str] = []
    for part in map(str, loc):
        if not (parts and part == parts[-1] and part in NODE_KINDS):
            parts.append(part)
    field_name = ".".join(parts) or "(file)"
    return f"{where}: field {field_name}: {error['msg']}"


def _walk(node: PatternNode) -> Iterator[PatternNode]:
    yield node
    children: list[PatternNode] = []
    if isinstance(node, AnyNode):
        children = node.any
    elif isinstance(node, AllNode):
        children = node.all
    elif isinstance(node, NearNode):
        children = node.near.patterns
    for child in children:
        yield from _walk(child)


def _check_refs(path: Path, rule_file: RuleFile) -> None:
    names = rule_file.patterns

    def refs(node: PatternNode) -> list[str]:
        return [n.ref for n in _walk(node) if isinstance(n, RefNode)]

    for name, node in names.items():
        for ref in refs(node):
            if ref not in names:
                raise RuleError(f"{path.name}: patterns.{name}: unknown ref {ref!r}")
    for rule in rule_file.rules:
        trees = [("match", rule.match)]
        if rule.exclude:
            trees += [(f"exclude.patterns.{i}", p) for i, p in enumerate(rule.exclude.patterns)]
        for where, tree in trees:
            for ref in refs(tree):
                if ref not in names:
                    raise RuleError(
                        f"{path.name}: rule {rule.id}: field {where}: unknown ref {ref!r}"
                    )

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in stack:
            raise RuleError(f"{path.name}: patterns: circular refs {' -> '.join((*stack, name))}")
        for ref in refs(names[name]):
            visit(ref, (*stack, name))

    for name in names:
        visit(name, ())


def _load_file(path: Path) -> tuple[RuleFile, bytes]:
    data = path.read_bytes()
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise RuleError(f"{path.name}: invalid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RuleError(f"{path.name}: a rule file is a mapping with category, title, rules")
    try:
        rule_file = RuleFile.model_validate(raw)
    except ValidationError as exc:
        messages = [_describe(path, raw, e) for e in exc.errors()]
        raise RuleError("\n".join(messages)) from None
    if rule_file.category != path.stem:
        raise RuleError(
            f"{path.name}: field category: {rule_file.category!r} must equal the file name "
            f"stem {path.stem!r}"
        )
    _check_refs(path, rule_file)
    return rule_file, data


@lru_cache(maxsize=8)
def _load(key: tuple[tuple[str, int, int], ...]) -> RuleSet:
    digest = hashlib.sha256()
    sources: list[RuleSource] = []
    seen: dict[str, Path] = {}
    for name, _, _ in key:
        path = Path(name)
        rule_file, data = _load_file(path)
        digest.update(path.name.encode() + b"\0" + data + b"\0")
        for rule in rule_file.rules:
            if rule.id in seen:
                raise RuleError(
                    f"{path.name}: rule {rule.id}: id already used in {seen[rule.id].name}"
                )
            seen[rule.id] = path
        sources.append(RuleSource(path, rule_file))
    return RuleSet(tuple(sources), f"{digest.hexdigest()[:12]}-{len(seen)}")


def load_ruleset(paths: Sequence[Path] | None = None) -> RuleSet:
    """Load and validate rule files (folders are read for ``*.yaml``).

    Without ``paths`` the bundled ``tenderwatch/rules/*.yaml`` are used. The version is a
    content hash plus the rule count. Loading is cached while the files are unchanged.
    """
    files = _rule_files(list(paths) if paths else [BUNDLED_RULES])
    key = []
    for path in files:
        stat = path.stat()
        key.append((str(path.resolve()), stat.st_mtime_ns, stat.st_size))
    return _load(tuple(key))
