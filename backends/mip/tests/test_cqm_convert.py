"""The vectorised CQM -> LinearProgram path gives exactly the program the term-by-term path gives."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg.errors import BadInputError
from qseg.testing.models import random_cqm
from qseg_mip import cqm_convert
from qseg_mip.testing import assignment_shaped_cqm


def assert_same_program(fast, slow):
    assert fast.labels == slow.labels and fast.row_names == slow.row_names
    for name in ("cost", "lower", "upper", "integer", "row_lower", "row_upper"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
    assert fast.offset == slow.offset
    assert fast.matrix.shape == slow.matrix.shape and (fast.matrix != slow.matrix).nnz == 0


def mixed_linear_cqm() -> dimod.ConstrainedQuadraticModel:
    """Integer and real variables with bounds, offsets on both sides, an explicit zero bias, a
    variable in no constraint, every sense, and a constraint with no variables left."""
    i = dimod.Integer("i", lower_bound=-3, upper_bound=7)
    r = dimod.Real("r", lower_bound=0.5, upper_bound=2.5)
    b, unused = dimod.Binary("b"), dimod.Binary("unused")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-2 * i - r + 0 * b + 4 + 0.5 * unused)
    cqm.add_constraint(i + r - 1 <= 8.2, label="cap")
    cqm.add_constraint(3 * b + 0 * i >= 1, label=("tuple", 1))
    cqm.add_constraint(i - 2 * r + b == 0.5, label="link")
    cqm.add_constraint_from_iterable([("b", 0.0)], "<=", 1.0, label="zero row")
    return cqm


@pytest.mark.parametrize(
    "make",
    [
        lambda: assignment_shaped_cqm(30, seed=1),
        lambda: assignment_shaped_cqm(12, seed=2, labels="str"),
        lambda: qseg.problem("knapsack", size=20).cqm(),
        lambda: qseg.problem("assignment", size=25, seed=3).cqm(),
        mixed_linear_cqm,
    ],
    ids=["assignment-int", "assignment-str", "knapsack", "assignment-problem", "mixed"],
)
def test_the_array_path_equals_the_term_path(make):
    cqm = make()
    fast = cqm_convert._from_arrays(cqm)
    assert fast is not None
    assert_same_program(fast, cqm_convert._from_terms(cqm))


def test_a_quadratic_model_takes_the_term_path():
    cqm = random_cqm(6, 7)
    assert cqm.objective.num_interactions or any(c.lhs.num_interactions for c in cqm.constraints.values())
    assert cqm_convert._from_arrays(cqm) is None
    program = cqm_convert.from_cqm(cqm)
    assert len(program.cost) > program.num_model_variables  # product columns were added


def test_a_spin_variable_is_refused_on_the_array_path_too():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Binary("x") + dimod.Spin("s"))
    with pytest.raises(BadInputError, match="s"):
        cqm_convert._from_arrays(cqm)


@pytest.mark.parametrize("labels", ["int", "str"])
def test_the_sampleset_keeps_dimods_variable_order(labels):
    # Ordered integer labels skip dimod's label sort; the result must not change.
    cqm = assignment_shaped_cqm(20, labels=labels)
    program = cqm_convert.from_cqm(cqm)
    values = np.zeros(len(program.cost))
    values[::8] = 1
    sampleset = cqm_convert.to_sampleset(cqm, program, values)
    reference = dimod.SampleSet.from_samples((values.reshape(1, -1), program.labels), "INTEGER", 0)
    assert list(sampleset.variables) == list(reference.variables)
    assert sampleset.first.sample == reference.first.sample
