"""CQM <-> MILP, shared by CBC and HiGHS: ``from_cqm`` translates a CQM into one
mixed-integer ``LinearProgram``, ``to_sampleset`` turns a solver's solution back into a SampleSet.

Two paths lead to the same program. A linear CQM is read from dimod's arrays
(``_from_arrays``): the variable table, and each expression's variable indices and linear
biases, come out of dimod's C++ model as numpy arrays (the arrays ``ConstrainedQuadraticModel
.to_file`` serialises), so only one Python step per constraint remains (~0.3 s for 75,000
rows), where visiting every term in Python takes seconds at 600,000 variables. A quadratic CQM
is read term by term (``_from_terms``).

Products of two binary variables (in the objective or in constraints) are linearised with an
auxiliary continuous w in [0, 1]: w <= x_u and w <= x_v where w must not exceed the product,
w >= x_u + x_v - 1 where it must not fall below it. In the objective only the side the sign of
the bias needs is added, which keeps the LP relaxation small.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import dimod
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from qseg.errors import BadInputError
from qseg_mip.linear_program import INF, LinearProgram

__all__ = ["INF", "LinearProgram", "from_cqm", "to_sampleset"]

FEASIBILITY_ATOL = 1e-6  # dimod's default absolute tolerance


@dataclass
class _Builder:
    index: dict[Hashable, int]
    lower: list[float]
    upper: list[float]
    integer: list[bool]
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    # (u, v) -> [column of w, need_upper, need_lower] (the flags are bools, ints to mypy)
    products: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    def add_row(self, terms: dict[int, float], low: float, high: float, name: str) -> None:
        row = len(self.row_names)
        for col, val in terms.items():
            if val:
                self.rows.append(row)
                self.cols.append(col)
                self.vals.append(val)
        self.row_lower.append(low)
        self.row_upper.append(high)
        self.row_names.append(name)

    def product(self, u: int, v: int, need_upper: bool, need_lower: bool, where: str) -> int:
        """Return the column of w = x_u·x_v, recording which sides of it must be enforced."""
        for col in (u, v):
            if not (self.integer[col] and self.lower[col] == 0 and self.upper[col] == 1):
                raise BadInputError(
                    where, "quadratic term", "MILP backends linearise products of binaries only"
                )
        key = (min(u, v), max(u, v))
        if key not in self.products:
            column = len(self.lower)
            self.lower.append(0.0)
            self.upper.append(1.0)
            self.integer.append(False)
            self.products[key] = [column, False, False]
        entry = self.products[key]
        entry[1] |= need_upper
        entry[2] |= need_lower
        return entry[0]

    def emit_products(self) -> None:
        for (u, v), (w, upper, lower) in self.products.items():
            if upper:
                self.add_row({w: 1.0, u: -1.0}, -INF, 0.0, f"_w{w}_le_x{u}")
                self.add_row({w: 1.0, v: -1.0}, -INF, 0.0, f"_w{w}_le_x{v}")
            if lower:
                self.add_row({w: 1.0, u: -1.0, v: -1.0}, -1.0, INF, f"_w{w}_ge_sum")


def _variables(labels: list[Hashable], model: dimod.ConstrainedQuadraticModel) -> _Builder:
    lower, upper, integer = [], [], []
    for v in labels:
        vartype = model.vartype(v)
        if vartype is dimod.SPIN:
            raise BadInputError("variable", v, "MILP backends take BINARY, INTEGER or REAL variables")
        lower.append(float(model.lower_bound(v)))
        upper.append(float(model.upper_bound(v)))
        integer.append(vartype is not dimod.REAL)
    return _Builder({v: i for i, v in enumerate(labels)}, lower, upper, integer)


def _linear_terms(
    builder: _Builder, expression: Any, *, objective_sign: float | None, where: str
) -> dict[int, float]:
    """Return column -> coefficient for an expression, products replaced by auxiliaries.

    ``objective_sign`` is None inside constraints (both sides of every product enforced).
    """
    terms: dict[int, float] = {}
    for v, bias in expression.iter_linear():
        col = builder.index[v]
        terms[col] = terms.get(col, 0.0) + float(bias)
    for u, v, bias in expression.iter_quadratic():
        bias = float(bias)
        if objective_sign is None:
            upper = lower = True
        else:
            upper, lower = bias * objective_sign < 0, bias * objective_sign > 0
        w = builder.product(builder.index[u], builder.index[v], upper, lower, where)
        terms[w] = terms.get(w, 0.0) + bias
    return terms


def from_cqm(cqm: dimod.ConstrainedQuadraticModel) -> LinearProgram:
    """Return the MILP of a CQM (minimisation, as dimod states it).

    A linear CQM is read from dimod's arrays (``_from_arrays``); a quadratic one term by term.
    """
    program = _from_arrays(cqm)
    return program if program is not None else _from_terms(cqm)


# dimod's C++ Vartype enum, as ``_ivarinfo`` stores it.
_BINARY, _SPIN, _INTEGER, _REAL = 0, 1, 2, 3


def _from_arrays(cqm: dimod.ConstrainedQuadraticModel) -> LinearProgram | None:
    """Return the LinearProgram of a CQM without quadratic terms, or None when the CQM has a
    quadratic term or this dimod lacks the array accessors (the caller then takes the general path).

    Raises BadInputError for a SPIN variable, as the general path does.
    """
    objective = cqm.objective
    if objective.num_interactions or not _has_array_accessors(cqm):
        return None
    labels = list(cqm.variables)
    varinfo = cqm._ivarinfo()
    spins = np.flatnonzero(varinfo["vartype"] == _SPIN)
    if len(spins):
        raise BadInputError("variable", labels[spins[0]], "MILP backends take BINARY, INTEGER or REAL variables")
    num_cols = len(labels)
    cost = np.bincount(objective._iindices(), weights=objective._ilinear(), minlength=num_cols).astype(float)

    count = len(cqm.constraints)
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    lengths = np.empty(count, dtype=np.int64)
    row_lower = np.empty(count)
    row_upper = np.empty(count)
    row_names: list[str] = []
    for row, (label, constraint) in enumerate(cqm.constraints.items()):
        lhs = constraint.lhs
        if lhs.num_interactions:
            return None
        rhs = float(constraint.rhs) - float(lhs.offset)
        sense = constraint.sense.value
        row_lower[row] = rhs if sense in ("==", ">=") else -INF
        row_upper[row] = rhs if sense in ("==", "<=") else INF
        # Copies: the arrays dimod returns keep a Cython memoryview alive each, and 150,000 of
        # those make the loop several times slower than copying.
        columns = np.array(lhs._iindices())
        indices.append(columns)
        values.append(np.array(lhs._ilinear()))
        lengths[row] = len(columns)
        row_names.append(str(label))
    data = np.concatenate(values).astype(float) if values else np.empty(0)
    columns = np.concatenate(indices).astype(np.int64) if indices else np.empty(0, dtype=np.int64)
    # Explicit zero biases are dropped, as the general path drops them.
    nonzero = data != 0
    if not nonzero.all():
        lengths = np.bincount(np.repeat(np.arange(count), lengths)[nonzero], minlength=count)
        data, columns = data[nonzero], columns[nonzero]
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    matrix = sp.csr_matrix((data, columns, indptr), shape=(count, num_cols))
    matrix.sort_indices()
    return LinearProgram(
        labels=labels,
        cost=cost,
        offset=float(objective.offset),
        lower=np.asarray(varinfo["lb"], dtype=float),
        upper=np.asarray(varinfo["ub"], dtype=float),
        integer=varinfo["vartype"] != _REAL,
        matrix=matrix,
        row_lower=row_lower,
        row_upper=row_upper,
        row_names=row_names,
    )


def _has_array_accessors(cqm: Any) -> bool:
    # Private dimod API (stable since 0.12.0, used by its own serialisation): checked, not assumed.
    return all(hasattr(obj, name) for obj, name in (
        (cqm, "_ivarinfo"), (cqm.objective, "_iindices"), (cqm.objective, "_ilinear")))


def _from_terms(cqm: dimod.ConstrainedQuadraticModel) -> LinearProgram:
    labels = list(cqm.variables)
    builder = _variables(labels, cqm)
    objective = _linear_terms(builder, cqm.objective, objective_sign=1.0, where="objective")
    for label, constraint in cqm.constraints.items():
        lhs = constraint.lhs
        terms = _linear_terms(builder, lhs, objective_sign=None, where=f"constraint {label}")
        rhs = float(constraint.rhs) - float(lhs.offset)
        sense = constraint.sense.value
        low = rhs if sense in ("==", ">=") else -INF
        high = rhs if sense in ("==", "<=") else INF
        builder.add_row(terms, low, high, str(label))
    return _finish(builder, labels, objective, float(cqm.objective.offset))


def _finish(builder: _Builder, labels: list[Hashable], objective: dict[int, float], offset: float) -> LinearProgram:
    builder.emit_products()
    num_cols = len(builder.lower)
    cost = np.zeros(num_cols)
    for col, val in objective.items():
        cost[col] += val
    matrix = sp.csr_matrix(
        (builder.vals, (builder.rows, builder.cols)), shape=(len(builder.row_names), num_cols)
    )
    return LinearProgram(
        labels=labels,
        cost=cost,
        offset=offset,
        lower=np.asarray(builder.lower, dtype=float),
        upper=np.asarray(builder.upper, dtype=float),
        integer=np.asarray(builder.integer, dtype=bool),
        matrix=matrix,
        row_lower=np.asarray(builder.row_lower, dtype=float),
        row_upper=np.asarray(builder.row_upper, dtype=float),
        row_names=builder.row_names,
    )


def to_sampleset(
    model: dimod.ConstrainedQuadraticModel, program: LinearProgram, values: np.ndarray | None,
    *, relaxed: bool = False,
) -> dimod.SampleSet:
    """Return a SampleSet holding the solver's solution (or no rows when there is none), with
    dimod's CQM fields (energy, is_satisfied, is_feasible, info["constraint_labels"]).

    ``relaxed``: the values are an LP relaxation's, kept fractional; such a read is feasible
    only when its integer variables happen to be integral.
    """
    n = program.num_model_variables
    integer = program.integer[:n]
    if values is None:
        states = np.empty((0, n))
    else:
        states = np.asarray(values[:n], dtype=float).reshape(1, n)
        if not relaxed:
            states[:, integer] = np.round(states[:, integer])
    integral = (np.abs(states[:, integer] - np.round(states[:, integer])) <= FEASIBILITY_ATOL).all(axis=1)
    # dimod's SampleSet constructors are untyped.
    if model.num_soft_constraints():
        sampleset: dimod.SampleSet = dimod.SampleSet.from_samples_cqm(
            (states, program.labels), model
        )
        sampleset.record.is_feasible &= integral
        return sampleset
    satisfied = _satisfied(model, program, states)
    sampleset = dimod.SampleSet.from_samples(
        (states, program.labels), vartype="INTEGER",
        energy=model.objective.energies((states, program.labels)) if len(states) else [],
        is_satisfied=satisfied, is_feasible=satisfied.all(axis=1) & integral,
        info={"constraint_labels": list(model.constraints)},
        # dimod sorts the labels with a Python key function (0.6 s at 600,000 variables); skip
        # that when they are numbers already in order, which gives the same SampleSet.
        sort_labels=not _numbers_in_order(program.labels),
    )
    return sampleset


def _numbers_in_order(labels: list[Hashable]) -> bool:
    """Return whether ``labels`` are plain numbers in strictly increasing order."""
    if not labels or not all(type(label) is int for label in (labels[0], labels[-1])):
        return False
    values = np.asarray(labels)
    return values.dtype.kind == "i" and bool((values[1:] > values[:-1]).all())


def _satisfied(
    model: dimod.ConstrainedQuadraticModel, program: LinearProgram, states: np.ndarray
) -> npt.NDArray[np.bool_]:
    """Return which constraints each state satisfies (dimod's tolerance, 1e-6 absolute).

    Linear constraints are checked through the program's rows (row i is constraint i), one
    sparse product for all of them: dimod's own check maps every constraint's labels against the
    whole sample, which is quadratic in the model size (minutes at 62,750 variables).
    """
    n = program.num_model_variables
    count = len(model.constraints)
    activity = (program.matrix[:count, :n] @ states.T).T
    lower, upper = program.row_lower[:count], program.row_upper[:count]
    satisfied: npt.NDArray[np.bool_] = (activity >= lower - FEASIBILITY_ATOL) & (activity <= upper + FEASIBILITY_ATOL)
    if len(program.cost) == n:  # no product columns, so no constraint has a quadratic term
        return satisfied
    for index, constraint in enumerate(model.constraints.values()):
        if constraint.lhs.num_interactions:  # linearised through product columns: check exactly
            lhs = np.asarray(constraint.lhs.energies((states, program.labels)))
            satisfied[:, index] = (lhs - constraint.lhs.offset >= lower[index] - FEASIBILITY_ATOL) & (
                lhs - constraint.lhs.offset <= upper[index] + FEASIBILITY_ATOL)
    return satisfied
