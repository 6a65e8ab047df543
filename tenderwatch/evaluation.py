"""Quality measurements (`tenderwatch eval`): each area registers an evaluation that
returns an :class:`EvalReport` with per-row precision/recall and the floors CI pins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from .registry import Registry


class EvalRow(BaseModel):
    name: str = Field(description="what is measured: a category, a field, or 'document'")
    support: int = Field(description="number of labelled cases")
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    precision: float
    recall: float
    accuracy: float | None = None
    floor_precision: float | None = None
    floor_recall: float | None = None
    floor_accuracy: float | None = None

    @property
    def passed(self) -> bool:
        checks = [
            (self.precision, self.floor_precision),
            (self.recall, self.floor_recall),
            (self.accuracy, self.floor_accuracy),
        ]
        return all(
            floor is None or (value is not None and value >= floor) for value, floor in checks
        )


class EvalReport(BaseModel):
    name: str
    corpus: str = Field(description="where the labelled cases came from")
    rows: list[EvalRow]
    errors: list[str] = Field(
        default_factory=list, description="misses and false alarms, for humans"
    )

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)


Evaluation = Callable[[Path | None], EvalReport]
EVALUATIONS: Registry[Evaluation] = Registry("evaluation")


def ratio(numerator: int, denominator: int) -> float:
    """Precision/recall style ratio that is 1.0 when nothing was expected or claimed."""
    return numerator / denominator if denominator else 1.0
