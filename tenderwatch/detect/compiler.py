"""Compiling a rule set: every literal and regex becomes one *atom* of a single multi-pattern
database; each rule becomes a small tree over atom ids that is evaluated only where its
atoms hit (see logic.py)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property
from itertools import chain, repeat

from ..normalize import normalize_query
from .loader import RuleError, RuleSet
from .schema import (
    AllNode,
    AnyNode,
    LiteralNode,
    NearNode,
    PatternNode,
    RefNode,
    RegexNode,
    Rule,
    Scope,
)


class AtomKind(StrEnum):
    LITERAL = "literal"
    REGEX = "regex"


def is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True)
class Atom:
    """One pattern of the multi-pattern database, shared by every rule that uses it."""

    id: int
    kind: AtomKind
    pattern: str  # normalized literal, or regex source
    origin: str  # "file.yaml: rule id", for compile errors
    # Used by some rule's match tree, not only by exclusions: only such atoms can make a
    # rule a candidate, so only they are looked for in the first pass.
    in_match: bool = True

    @property
    def bounded_start(self) -> bool:
        """ASCII literals match on word boundaries: 'ai' must not hit inside 'said'."""
        return self.kind is AtomKind.LITERAL and is_word_char(self.pattern[0])

    @property
    def bounded_end(self) -> bool:
        return self.kind is AtomKind.LITERAL and is_word_char(self.pattern[-1])


@dataclass(frozen=True)
class Leaf:
    atoms: tuple[int, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class NearOf:
    children: tuple[Node, ...]
    within: int | None
    scope: Scope | None


Node = Leaf | AnyOf | AllOf | NearOf


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    category: str
    match: Node
    atoms: frozenset[int]  # atoms of the match tree
    exclude: tuple[Node, ...]
    exclude_within: int
    exclude_scope: Scope | None

    @cached_property
    def exclude_atoms(self) -> frozenset[int]:
        return frozenset().union(*(leaf_atoms(node) for node in self.exclude))

    @cached_property
    def quoted_once(self) -> bool:
        """A context signal that is a plain any-of without exclusions: every atom hit is
        evidence on its own, and only the first span is quoted (signals.py)."""
        return self.rule.signal and not self.exclude and _disjunction(self.match)

    @cached_property
    def clauses(self) -> Clauses:
        """The atom presence this rule needs to match at all (see _clauses): rules whose
        clauses all fail on a document are never evaluated."""
        return _clauses(self.match)

    @cached_property
    def find_atoms(self) -> frozenset[int]:
        """The atoms whose hits the second pass collects to evaluate this rule (atoms
        absent from the document have none: no need to intersect with the first pass)."""
        return self.atoms | self.exclude_atoms

    @cached_property
    def needs_check(self) -> bool:
        """False where any one atom of the rule being present makes it possible."""
        return self.clauses != ((self.atoms,),)


@dataclass(frozen=True)
class Program:
    atoms: tuple[Atom, ...]
    rules: tuple[CompiledRule, ...]

    @cached_property
    def _rules_by_atom(self) -> dict[int, tuple[int, ...]]:
        """The rules each atom's presence may make candidates. A rule that needs a check is
        listed under the atoms of the first group of each of its clauses only: no clause
        holds without its first group. The first pattern of a `near` is the specific one in
        the bundled rules (维吾尔, 斋月), the second the generic one (识别, 预警) that a
        camera tender holds anyway: such documents no longer touch the rule at all."""
        index: dict[int, list[int]] = {}
        for position, rule in enumerate(self.rules):
            keys = (
                frozenset().union(*(clause[0] for clause in rule.clauses))
                if rule.needs_check
                else rule.atoms
            )
            for atom in keys:
                index.setdefault(atom, []).append(position)
        return {atom: tuple(positions) for atom, positions in index.items()}

    @cached_property
    def gates(self) -> frozenset[int]:
        """The atoms that can make a rule a candidate (the keys of the index above). The
        others in match trees (the generic second words of `near` rules, such as 识别 or
        分析) count only where a gate of a rule that needs a check is present."""
        return frozenset(self._rules_by_atom)

    @cached_property
    def checked_gates(self) -> frozenset[int]:
        """Gates of rules that need a check: where one is present, the check reads the
        presence of every other atom of match trees as well."""
        return frozenset(
            atom
            for atom, positions in self._rules_by_atom.items()
            if any(self._checks[i] is not None for i in positions)
        )

    def candidates(self, present: AbstractSet[int]) -> list[CompiledRule]:
        """Rules that can match given the atoms present in a document, in rule-set order.
        ``present`` needs only the gates present, unless one of :attr:`checked_gates` is
        among them: then every atom of match trees present (Matcher.present)."""
        # Runs per document: set-up and checks in C where it can, and no check at all for
        # rules that any one of their atoms makes possible.
        touched = set(chain.from_iterable(map(self._rules_by_atom.get, present, repeat(()))))
        rules, checks, isdisjoint = self.rules, self._checks, present.isdisjoint
        found: list[CompiledRule] = []
        for i in sorted(touched):
            clauses = checks[i]
            if clauses is not None:  # one clause must have an atom of each group present
                for clause in clauses:
                    if not any(map(isdisjoint, clause)):
                        break
                else:
                    continue
            found.append(rules[i])
        return found

    @cached_property
    def _checks(self) -> tuple[Clauses | None, ...]:
        """Per rule: its clauses, or None where an atom of it being present is enough."""
        return tuple(rule.clauses if rule.needs_check else None for rule in self.rules)


def _disjunction(node: Node) -> bool:
    """Leaves under any-of only: every atom hit is evidence on its own."""
    if isinstance(node, Leaf):
        return True
    return isinstance(node, AnyOf) and all(_disjunction(child) for child in node.children)


def leaf_atoms(node: Node) -> frozenset[int]:
    if isinstance(node, Leaf):
        return frozenset(node.atoms)
    return frozenset().union(*(leaf_atoms(child) for child in node.children))


# The match tree read as a condition on atom presence alone, in disjunctive form: it holds
# if, for one clause, every group of atoms in it has one present. Built once per rule;
# checked per document.
Clauses = tuple[tuple[frozenset[int], ...], ...]
# Past this many clauses a rule keeps a looser condition (one of its atoms present):
# still necessary for a match, which is all a candidate check needs.
_MAX_CLAUSES = 64


def _clauses(node: Node) -> Clauses:
    """A near or all needs every child, an any one of them; leaves under an any pool into
    one group. Read per branch of an any, not as one pool of all its atoms, so that a face
    term without any ethnicity term ends the rule here. Necessary for a match."""
    if isinstance(node, Leaf):
        return ((frozenset(node.atoms),),)
    if isinstance(node, AnyOf):
        clauses = [clause for child in node.children for clause in _clauses(child)]
        # Clauses of one group each pool into one: any of them is any atom of the pool.
        pooled = [clause[0] for clause in clauses if len(clause) == 1]
        clauses = [clause for clause in clauses if len(clause) > 1]
        if pooled:
            clauses.insert(0, (frozenset().union(*pooled),))
    else:  # every child: one clause of each, combined
        clauses = [()]
        for child in node.children:
            clauses = [done + more for done in clauses for more in _clauses(child)]
            if len(clauses) > _MAX_CLAUSES:
                return ((leaf_atoms(node),),)
    if len(clauses) > _MAX_CLAUSES:
        return ((leaf_atoms(node),),)
    return tuple(clauses)


class _Compiler:
    def __init__(self) -> None:
        self.atoms: dict[tuple[AtomKind, str], Atom] = {}

    def atom(self, kind: AtomKind, pattern: str, origin: str) -> int:
        key = (kind, pattern)
        if key not in self.atoms:
            self.atoms[key] = Atom(len(self.atoms), kind, pattern, origin)
        return self.atoms[key].id

    def node(self, node: PatternNode, named: dict[str, PatternNode], origin: str) -> Node:
        if isinstance(node, LiteralNode):
            ids = []
            for literal in node.literal:
                normal = normalize_query(literal).strip()
                if not normal:
                    raise RuleError(f"{origin}: literal {literal!r} is empty after normalization")
                ids.append(self.atom(AtomKind.LITERAL, normal, origin))
            return Leaf(tuple(dict.fromkeys(ids)))
        if isinstance(node, RegexNode):
            return Leaf((self.atom(AtomKind.REGEX, node.regex, origin),))
        if isinstance(node, RefNode):
            return self.node(named[node.ref], named, origin)
        if isinstance(node, AnyNode):
            return AnyOf(tuple(self.node(child, named, origin) for child in node.any))
        if isinstance(node, AllNode):
            return AllOf(tuple(self.node(child, named, origin) for child in node.all))
        assert isinstance(node, NearNode)
        near = node.near
        children = tuple(self.node(child, named, origin) for child in near.patterns)
        return NearOf(children, near.within, near.scope)


def compile_ruleset(ruleset: RuleSet) -> Program:
    """Turn validated rule files into atoms plus per-rule evaluation trees."""
    compiler = _Compiler()
    rules: list[CompiledRule] = []
    for source in ruleset.sources:
        named = source.file.patterns
        for rule in source.file.rules:
            origin = f"{source.path.name}: rule {rule.id}"
            match = compiler.node(rule.match, named, origin)
            exclude: tuple[Node, ...] = ()
            within, scope = 0, None
            if rule.exclude:
                exclude = tuple(compiler.node(p, named, origin) for p in rule.exclude.patterns)
                within, scope = rule.exclude.within, rule.exclude.scope
            rules.append(
                CompiledRule(
                    rule,
                    source.file.category,
                    match,
                    leaf_atoms(match),
                    exclude,
                    within,
                    scope,
                )
            )
    in_match = frozenset().union(*(rule.atoms for rule in rules))
    atoms = tuple(replace(a, in_match=a.id in in_match) for a in compiler.atoms.values())
    return Program(atoms, tuple(rules))
