"""The facts one evaluation works on: relations of the case and reference data, and what is derived.

A private copy per evaluation, so that evaluations never share state.
"""

from __future__ import annotations

from engine.diagnostics import Diagnostic
from engine.inputs.store import FactStore, Relation
from engine.lang.compile import Plan
from engine.run.results import Conclusion, DecisionOutcome, Derivation, FactPremise, Status, Violation

MISSING = object()  # the value of an unbound variable or an absent attribute


class Database:
    """The facts one evaluation works on: a private copy, so that evaluations never share state."""

    def __init__(self, store: FactStore, plan: Plan):
        self.store = store
        self.plan = plan
        self.as_of = store.as_of
        self.relations: dict[str, Relation] = {p: Relation(rows) for p, rows in store.relations.items()}
        self.derivations: dict[tuple, Derivation] = {}
        self.signatures = plan.checked.signatures
        self.conclusions: list[Conclusion] = []
        self.decisions: list[DecisionOutcome] = []
        self.violations: list[Violation] = []
        self.diagnostics: list[Diagnostic] = []
        self._conclusion_index: dict[tuple, dict[tuple, list[tuple[tuple, Conclusion]]]] = {}
        self._indexed: list[Conclusion] | None = None

    def conclusions_in_force(self, modality: str, positions: tuple[int, ...],
                             key: tuple) -> list[tuple[tuple, Conclusion]]:
        """Conclusions in force of a modality whose fields at `positions` equal `key`, in their order.

        Fields are (actor, action, object, counterparty, regime, rule). Indexes are built on first use
        for each set of positions, and built again if the conclusions are replaced.
        """
        if self._indexed is not self.conclusions:
            self._conclusion_index = {}
            self._indexed = self.conclusions
        index = self._conclusion_index.get((modality, positions))
        if index is None:
            index = {}
            for c in self.conclusions:
                if c.modality != modality or c.status != Status.IN_FORCE:
                    continue
                fields = (c.actor, c.action, c.object, c.counterparty, c.regime, c.rule)
                index.setdefault(tuple(fields[i] for i in positions), []).append((fields, c))
            self._conclusion_index[(modality, positions)] = index
        return index.get(key, [])

    def relation(self, pred: str) -> Relation:
        rel = self.relations.get(pred)
        if rel is None:
            rel = self.relations[pred] = Relation()
        return rel

    def premise(self, pred: str, row: tuple) -> FactPremise:
        fact = (pred, *row)
        return FactPremise(pred, row, self.signatures.get(pred, ()), self.store.origins.get(fact),
                           self.derivations.get(fact))
