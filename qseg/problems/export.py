"""Model export: a problem's constrained model as LP or a serialised dimod CQM, or one of its QUBOs
as a serialised BQM (``qseg export --model``; docs/architecture.md, "Records and exports")."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from qseg.errors import BadInputError
from qseg.files import check_output_file, replacing

MODEL_FORMATS = ("lp", "bqm", "cqm")


def check_model_format(fmt: str) -> str:
    """Return ``fmt`` when it is a model format (``lp``, ``bqm``, ``cqm``), else BadInputError."""
    if fmt not in MODEL_FORMATS:
        raise BadInputError("format", fmt, f"model formats: {', '.join(MODEL_FORMATS)}")
    return fmt


def export_model(problem: Any, fmt: str, out: Path, formulation: str | None = None) -> Path:
    """Write the problem's CQM (``lp``/``cqm``) or a QUBO (``bqm``) to ``out``; return the path.

    ``out`` is checked (a writable folder, not a folder itself: BadInputError) before the model is
    built, and written under a temporary name renamed into place (an OSError naming ``out`` on a
    full disk, with nothing left behind)."""
    import dimod

    check_model_format(fmt)
    out = check_output_file("out", out)
    if fmt == "lp":
        model = _lp_names(problem)
        with replacing(out) as temporary, open(temporary, "w") as stream:
            dimod.lp.dump(model, stream)
        return out
    model = problem.cqm() if fmt == "cqm" else problem.bqm(formulation)
    with model.to_file() as source, replacing(out) as temporary, open(temporary, "wb") as target:
        shutil.copyfileobj(source, target)
    return out


def _lp_names(problem: Any) -> Any:
    """Return the CQM with names the LP format accepts: integer variable labels become
    ``problem.variable_name(i)`` and constraint labels starting with a digit, '.', 'e' or 'E'
    (LP reads those as numbers) get a ``c_`` prefix."""
    cqm = problem.cqm()
    integers = {v: problem.variable_name(v) for v in cqm.variables if isinstance(v, int)}
    clashing = {c: f"c_{c}" for c in cqm.constraints if str(c)[:1] in ".0123456789Ee"}
    if integers or clashing:
        cqm = cqm.relabel_variables(integers, inplace=False) if integers else cqm.copy()
        cqm.relabel_constraints(clashing)
    return cqm
