"""Nonlinear (``dwave.optimization``) models as SampleSets.

A NL model's decisions are arrays (binary vectors) or sets of indices, so a solver's answer is
not a dimod sample. qseg turns every decision into indicator columns, ``nl{t}[{j}]`` for decision
``t`` (in ``model.iter_decisions()`` order) and element ``j``, so that backends return an
ordinary SampleSet and problems map the columns to their CQM variables (``Problem.lift_nl``).
"""

from __future__ import annotations

from typing import Any, cast

import dimod
import numpy as np


def nl_variables(model: Any) -> list[str]:
    """Return the indicator-column labels of every decision of the NL ``model``, in order."""
    labels: list[str] = []
    for index, decision in enumerate(model.iter_decisions()):
        labels.extend(f"nl{index}[{j}]" for j in range(_universe(decision)))
    return labels


def nl_sampleset(model: Any, info: dict[str, Any] | None = None) -> dimod.SampleSet:
    """Return the states held by the locked NL ``model`` as a SampleSet over ``nl_variables``.

    Energies are the model's objective values; ``info["nl_feasible"]`` lists, per state, whether
    every constraint of the model holds.
    """
    num_states = len(model.states)
    decisions = list(model.iter_decisions())
    blocks = [np.zeros((num_states, _universe(d)), dtype=np.int8) for d in decisions]
    energies = np.empty(num_states)
    feasible = []
    for state in range(num_states):
        for block, decision in zip(blocks, decisions):
            value = np.asarray(decision.state(state))
            if _is_set(decision):
                block[state, value.astype(int)] = 1
            else:
                block[state] = np.rint(value.ravel()).astype(np.int8)
        energies[state] = float(model.objective.state(state))
        feasible.append(all(bool(c.state(state)) for c in model.iter_constraints()))
    samples = np.hstack(blocks) if blocks else np.zeros((num_states, 0), dtype=np.int8)
    sampleset = dimod.SampleSet.from_samples(
        (samples, nl_variables(model)), dimod.BINARY, energy=energies, sort_labels=False
    )
    sampleset.info.update(info or {})
    sampleset.info["nl_feasible"] = feasible
    return cast(dimod.SampleSet, sampleset)


def set_nl_states(model: Any, sampleset: dimod.SampleSet) -> None:
    """Load the rows of ``sampleset`` (indicator columns) into the locked NL ``model``'s states."""
    decisions = list(model.iter_decisions())
    model.states.resize(len(sampleset))
    columns = {label: k for k, label in enumerate(sampleset.variables)}
    samples = sampleset.record.sample
    for index, decision in enumerate(decisions):
        cols = [columns[f"nl{index}[{j}]"] for j in range(_universe(decision))]
        for state in range(len(sampleset)):
            row = samples[state, cols]
            decision.set_state(state, np.flatnonzero(row) if _is_set(decision) else row.astype(float))


def _is_set(decision: Any) -> bool:
    return type(decision).__name__ == "SetVariable"


def _universe(decision: Any) -> int:
    """Return how many indicator columns a decision needs: a set's universe or an array's size."""
    if _is_set(decision):
        return int(decision.info().max) + 1  # elements are 0..n-1
    return int(np.prod(decision.shape()))
