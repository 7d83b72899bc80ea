"""``PropensityBinning``: optbinning's interface over qseg's binning problem.

``fit(x, y)`` builds ``qseg.problem("binning", data=DataFrame(propensity=x, outcome=y), ...)``
and solves it with ``qseg.solve_baseline(problem, "dp")`` (the exact dynamic programme over the
candidate grid, the only solver that honours ``monotonic_trend``) or ``qseg.solve(problem,
backend)``. ``binning_table`` follows optbinning's ``BinningTable.build()``: one row per bin and a
``Totals`` row with Bin, Count, Count (%), Non-event, Event, Event rate, WoE and IV, and qseg's
business columns Revenue (R(b) x events), Cost (C(b) x customers) and Net (Revenue - Cost), whose
total is the problem's objective.

WoE follows optbinning's sign: ln((non-events_b / non-events) / (events_b / events)), so a bin
with a high event rate has a negative WoE; a bin without events or without non-events has WoE 0
and IV 0 (the logarithm is undefined there), and so do all bins when the data has no events or
no non-events.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from qseg.errors import BadInputError
from qseg.files import replacing
from qseg.problems import BinningProblem, build_problem
from qseg.problems.binning import BinningCollapseWarning, assign
from qseg.problems.binning.problem import DEFAULT_BINS, DEFAULT_CANDIDATES, DEFAULT_COST, DEFAULT_REVENUE
from qseg.record import Record, Status
from qseg.solving.solve import solve, solve_baseline

SCHEMA = "qseg.PropensityBinning"
SCHEMA_VERSION = 1
METRICS = ("bins", "labels", "event_rate", "woe")
TRENDS = (None, "ascending", "descending")
TABLE_COLUMNS = ("Bin", "Count", "Count (%)", "Non-event", "Event", "Event rate", "Revenue", "Cost", "Net", "WoE", "IV")


def _vector(field: str, values: Any) -> np.ndarray:
    """Return ``values`` as a 1-D float array (an n × 1 array is taken as a column); ValueError
    naming ``field`` for another shape, no values, or a value that is not a finite number."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise BadInputError(field, f"array of dtype {np.asarray(values).dtype}", "expected numbers") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise BadInputError(field, f"array of shape {array.shape}", "expected a 1-D array (or n × 1), one value per customer")
    if len(array) == 0:
        raise BadInputError(field, "0 values", "needs at least one customer")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise BadInputError(f"{field}[{bad[0]}]", float(array[bad[0]]), "must be a finite number (NaN and infinity are not)")
    return array


class PropensityBinning(BaseEstimator):  # type: ignore[misc]  # scikit-learn ships no type hints
    """Optimal binning of propensity scores x in [0, 1] with binary outcomes y.

    Parameters
    ----------
    n_bins : int, the number of bins (exactly, or at most with ``n_bins_mode="at_most"``).
    monotonic_trend : None, "ascending" or "descending", the event rate's trend across bins
        (only ``solver="dp"`` honours it).
    min_bin_size : int >= 1 (customers) or float in (0, 0.5] (a share of the customers, as
        optbinning's), the smallest bin; max_bin_size likewise, or None.
    revenue, cost : per-bin value R(b) of an event and C(b) of a customer: a number, a list of
        n_bins numbers, an expression in b ("2*b") or a function of b.
    candidates : int or "all", the candidate cut grid (quantiles of x).
    solver : "dp" (exact over the grid) or a qseg backend name (``sa``, ``tabu``, ``cqm``, ...).
    n_bins_mode : "exactly" or "at_most".
    backend_params : dict or None, backend parameters (not for ``dp``).

    Attributes (after ``fit``): ``splits`` (the cut points), ``edges`` (0, splits, 1),
    ``binning_table`` (DataFrame), ``record_`` (the qseg Record), ``warnings_`` (collapse notes).
    """

    def __init__(self, n_bins: int = DEFAULT_BINS, *, monotonic_trend: str | None = None,
                 min_bin_size: int | float = 10, max_bin_size: int | float | None = None,
                 revenue: Any = DEFAULT_REVENUE, cost: Any = DEFAULT_COST, candidates: int | str = DEFAULT_CANDIDATES,
                 solver: str = "dp", n_bins_mode: str = "exactly", backend_params: dict[str, Any] | None = None) -> None:
        self.n_bins = n_bins
        self.monotonic_trend = monotonic_trend
        self.min_bin_size = min_bin_size
        self.max_bin_size = max_bin_size
        self.revenue = revenue
        self.cost = cost
        self.candidates = candidates
        self.solver = solver
        self.n_bins_mode = n_bins_mode
        self.backend_params = backend_params

    # --- fitting ------------------------------------------------------------------------------
    def _size(self, field: str, value: Any, n: int) -> int | None:
        """Return a bin size in customers from a count or a share of ``n`` customers."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise BadInputError(field, value, "expected a whole number of customers or a share in (0, 0.5]")
        if isinstance(value, (float, np.floating)) and not float(value).is_integer():
            if not 0 < value <= 0.5:
                raise BadInputError(field, value, "a share of the customers must be in (0, 0.5]")
            return max(1, int(np.ceil(value * n)))
        return int(value)

    def _problem(self, x: np.ndarray, y: np.ndarray) -> BinningProblem:
        if self.monotonic_trend not in TRENDS:
            raise BadInputError("monotonic_trend", self.monotonic_trend, "expected None, 'ascending' or 'descending'")
        if len(x) != len(y):
            raise BadInputError("y", f"{len(y)} values", f"length differs from x ({len(x)} values)")
        params: dict[str, Any] = {
            "n_bins": self.n_bins, "n_bins_mode": self.n_bins_mode, "monotonic": self.monotonic_trend or "none",
            "min_bin_size": self._size("min_bin_size", self.min_bin_size, len(x)),
            "max_bin_size": self._size("max_bin_size", self.max_bin_size, len(x)),
            "candidates": self.candidates, "revenue": self.revenue, "cost": self.cost,
        }
        frame = pd.DataFrame({"propensity": x, "outcome": y})
        problem = build_problem("binning", data=frame, params=params)
        assert isinstance(problem, BinningProblem)
        return problem

    def fit(self, x: Any, y: Any) -> PropensityBinning:
        """Return self after finding the bins of propensities ``x`` (1-D, in [0, 1]) with outcomes
        ``y`` (0/1). ValueError names the parameter for bad input; RuntimeError when the solver
        found no feasible bins. A ``BinningCollapseWarning`` says when bins collapse to the grid
        step or the minimum size."""
        xs, ys = _vector("x", x), _vector("y", y)
        problem = self._problem(xs, ys)
        record = self._solve(problem)
        if record.status != Status.OK or "edges" not in record.details:
            raise RuntimeError(f"solver={self.solver!r} found no feasible bins (status {record.status}: "
                               f"{record.message or 'no feasible read'})")
        self.record_: Record = record
        self.edges = np.asarray(record.details["edges"], dtype=float)
        self.splits = self.edges[1:-1].copy()
        used = len(self.edges) - 1
        self.revenue_ = problem.revenue[:used].copy()
        self.cost_ = problem.cost[:used].copy()
        self.binning_table = self._table(xs, ys)
        self.warnings_ = list(record.details.get("warnings", []))
        for text in self.warnings_:
            warnings.warn(text, BinningCollapseWarning, stacklevel=2)
        return self

    def _solve(self, problem: BinningProblem) -> Record:
        if not isinstance(self.solver, str):
            raise BadInputError("solver", self.solver, "expected 'dp' or a backend name")
        if self.solver == "dp":
            if self.backend_params:
                raise BadInputError("backend_params", self.backend_params, "the dp solver takes none")
            return solve_baseline(problem, "dp")
        return solve(problem, self.solver, params=self.backend_params or {})

    # --- the fitted bins ----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "edges"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                                 "appropriate arguments before using this estimator.")

    def _bands(self) -> list[str]:
        last = len(self.edges) - 2
        return [f"[{lo:.4g}, {hi:.4g}{']' if b == last else ')'}" for b, (lo, hi) in
                enumerate(zip(self.edges[:-1], self.edges[1:]))]

    def _table(self, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
        """Return the binning table of ``x``, ``y`` under the fitted edges (see the module docstring)."""
        bins = assign(x, self.edges)
        used = len(self.edges) - 1
        count = np.bincount(bins, minlength=used).astype(float)
        event = np.bincount(bins, weights=y, minlength=used)
        non_event = count - event
        revenue, cost = self.revenue_ * event, self.cost_ * count
        share_event = event / event.sum() if event.sum() > 0 else np.zeros(used)
        share_non = non_event / non_event.sum() if non_event.sum() > 0 else np.zeros(used)
        defined = (share_event > 0) & (share_non > 0)
        woe = np.zeros(used)
        woe[defined] = np.log(share_non[defined] / share_event[defined])
        iv = np.where(defined, (share_non - share_event) * woe, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(count > 0, event / np.maximum(count, 1), np.nan)
        table = pd.DataFrame({"Bin": self._bands(), "Count": count.astype(np.int64), "Count (%)": count / count.sum(),
                              "Non-event": non_event.astype(np.int64), "Event": event.astype(np.int64),
                              "Event rate": rate, "Revenue": revenue, "Cost": cost, "Net": revenue - cost,
                              "WoE": woe, "IV": iv})
        total = event.sum() / count.sum()
        totals = pd.DataFrame({"Bin": [""], "Count": [int(count.sum())], "Count (%)": [1.0],
                               "Non-event": [int(non_event.sum())], "Event": [int(event.sum())], "Event rate": [total],
                               "Revenue": [revenue.sum()], "Cost": [cost.sum()], "Net": [revenue.sum() - cost.sum()],
                               "WoE": [np.nan], "IV": [iv.sum()]}, index=["Totals"])
        return pd.concat([table, totals])

    def transform(self, x: Any, metric: str = "bins") -> np.ndarray:
        """Return, for each propensity of ``x``: its bin index (``metric="bins"``), its band
        ("[0.1, 0.2)", ``"labels"``), its bin's event rate (``"event_rate"``) or WoE (``"woe"``)
        as fitted; NotFittedError before ``fit``."""
        self._check_fitted()
        if metric not in METRICS:
            raise BadInputError("metric", metric, f"expected one of {', '.join(METRICS)}")
        bins = assign(_vector("x", x), self.edges)
        if metric == "bins":
            return np.asarray(bins)
        if metric == "labels":
            labels: np.ndarray = np.asarray(self._bands(), dtype=object)[bins]
            return labels
        column = "Event rate" if metric == "event_rate" else "WoE"
        return np.asarray(self.binning_table[column].to_numpy(dtype=float)[:-1][bins])

    def fit_transform(self, x: Any, y: Any, metric: str = "bins") -> np.ndarray:
        """Return ``transform(x, metric)`` after ``fit(x, y)``."""
        return self.fit(x, y).transform(x, metric)

    # --- JSON ---------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Return the fitted binning as a JSON object: schema, parameters, edges, per-bin revenue
        and cost values, the table and the warnings."""
        self._check_fitted()
        params = {key: (value if not callable(value) else repr(value)) for key, value in self.get_params().items()}
        table = self.binning_table.reset_index(names="row").replace({np.nan: None})
        return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "params": params, "edges": self.edges.tolist(),
                "revenue": self.revenue_.tolist(), "cost": self.cost_.tolist(),
                "table": table.to_dict(orient="list"), "warnings": self.warnings_}

    def save(self, path: str | Path) -> Path:
        """Write ``to_json`` to ``path`` (replaced in one rename, never left half-written);
        return the path."""
        target = Path(path)
        if target.is_dir():
            raise BadInputError("path", str(path), "is a folder; name a .json file")
        text = json.dumps(self.to_json(), indent=2, allow_nan=False)
        with replacing(target) as temporary:
            temporary.write_text(text + "\n", encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> PropensityBinning:
        """Return the fitted binning saved by ``save``; BadInputError names the field of a file
        that is unreadable, not JSON, of another schema, or whose edges or table are damaged."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BadInputError("binning", str(path), f"not a readable JSON file ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise BadInputError("schema", data.get("schema") if isinstance(data, dict) else type(data).__name__,
                                f"expected {SCHEMA}")
        if data.get("schema_version") != SCHEMA_VERSION:
            raise BadInputError("schema_version", data.get("schema_version"), f"this qseg reads {SCHEMA_VERSION}")
        for key in ("params", "edges", "revenue", "cost", "table", "warnings"):
            if key not in data:
                raise BadInputError(key, "missing", "required key of a saved binning")
        if not isinstance(data["params"], dict):
            raise BadInputError("params", type(data["params"]).__name__, "expected a JSON object")
        from qseg.problems.binning.bins import check_edges

        edges = check_edges(data["edges"])
        used = len(edges) - 1
        values = {}
        for key in ("revenue", "cost"):
            array = np.asarray(data[key], dtype=float) if isinstance(data[key], list) else np.array([])
            if array.shape != (used,) or not np.isfinite(array).all():
                raise BadInputError(key, data[key], f"expected {used} finite numbers, one per bin")
            values[key] = array
        try:
            table = pd.DataFrame(data["table"]).set_index("row")
            table.index.name = None
        except (ValueError, KeyError, TypeError):
            raise BadInputError("table", "damaged", "expected the columns of a binning table") from None
        if list(table.columns) != list(TABLE_COLUMNS) or len(table) != used + 1:
            raise BadInputError("table", f"{len(table)} rows", f"expected {used} bins and Totals with {', '.join(TABLE_COLUMNS)}")
        known = cls().get_params()
        unknown = sorted(set(data["params"]) - set(known))
        if unknown:
            raise BadInputError(f"params.{unknown[0]}", data["params"][unknown[0]], "not a PropensityBinning parameter")
        fitted = cls(**data["params"])
        fitted.edges, fitted.splits = edges, edges[1:-1].copy()
        fitted.revenue_, fitted.cost_ = values["revenue"], values["cost"]
        fitted.binning_table = table
        fitted.warnings_ = [str(text) for text in data["warnings"]]
        return fitted


__all__ = ["METRICS", "PropensityBinning"]
