"""``qseg segment`` at scale: bootstrap stability on resamples of a bounded size still tells a
stable segmentation from an unstable one, its draws are the seed's below the bound, ``--jobs``
changes nothing in the answer, no step forms an N x N matrix above ``FASTERPAM_SAMPLE``, each
step's time reaches ``segment.md``, ``record.json`` and stderr, and a size knob that cannot fit
is refused before anything is read (exit 2, one line with the estimate and the limit)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from segmentation_support import blobs, uniform

from qseg.cli import main
from qseg.workflows.segment import methods
from qseg.workflows.segment.methods import FASTERPAM_SAMPLE, fasterpam, full_matrix_limit, kmeans, refit
from qseg.workflows.segment.pipeline import SegmentRequest, fit_segments, load_transactions
from qseg.workflows.segment.quality import bootstrap_stability, resample_plan
from qseg.workflows.segment.qubo_route import QuboRoute
from qseg.workflows.segment.steps import StepEvent, Steps, plain_progress

EXIT_BAD_INPUT = 2
QUICK = ["--backend", "sa", "--param", "num_reads=10", "--param", "num_sweeps=200", "--resamples", "2"]


def test_resamples_of_a_bounded_sample_tell_stable_blobs_from_uniform_noise():
    # 6,000 customers and resamples of 400: the m-out-of-n path, not the seed's N-out-of-N.
    points, _ = blobs(n=6000, k=4, seed=3)
    noise = uniform(n=6000, seed=3)
    fit = refit(kmeans, k=6, n_init=1)
    stable = bootstrap_stability(points, refit(kmeans, k=4, n_init=1), kmeans(points, 4, seed=0).labels, resamples=8,
                                 seed=1, sample=400)
    unstable = bootstrap_stability(noise, fit, kmeans(noise, 6, seed=0).labels, resamples=8, seed=1, sample=400)
    assert stable.sample == unstable.sample == 400 and stable.resamples == 8
    assert stable.mean > 0.95 and stable.reading == "highly stable"
    assert unstable.mean < 0.75 and unstable.reading != "highly stable"
    assert unstable.mean < stable.mean - 0.25


def test_a_refit_that_ignores_the_data_reads_unreliable_on_the_bounded_path():
    points, _ = blobs(n=3000, k=4, seed=5)

    def coin(sample: np.ndarray, seed: int) -> np.ndarray:
        return np.random.default_rng(seed).integers(0, 4, len(sample))

    stability = bootstrap_stability(points, coin, kmeans(points, 4, seed=0).labels, resamples=5, seed=2, sample=300)
    assert stability.reading == "unreliable" and abs(stability.mean) < 0.1


def test_below_the_bound_the_draws_are_the_seeds_bootstrap():
    # The seed's procedure: N customers drawn with replacement out of N, then the refit's seed,
    # from one generator; the plan must draw exactly that.
    rng = np.random.default_rng(4)
    expected = []
    for _ in range(3):
        rows = rng.integers(0, 250, size=250)
        expected.append((rows, int(rng.integers(0, 2**31 - 1))))
    plan = resample_plan(250, resamples=3, seed=4, sample=5000)
    for draw, (rows, fit_seed) in zip(plan, expected, strict=True):
        assert np.array_equal(draw.rows, rows) and draw.fit_seed == fit_seed
    bounded = resample_plan(10_000, resamples=2, seed=4, sample=300)
    assert all(len(draw.rows) == 300 and draw.rows.max() < 10_000 for draw in bounded)


def test_fasterpam_never_takes_a_matrix_above_the_stated_size(monkeypatch):
    assert full_matrix_limit() <= FASTERPAM_SAMPLE
    monkeypatch.setattr(methods, "FASTERPAM_SAMPLE", 150)
    points, _ = blobs(n=400, k=3, seed=1)
    seen: list[int] = []
    real = methods.cdist

    def watched(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        seen.append(len(a) * len(b))
        return real(a, b)

    monkeypatch.setattr(methods, "cdist", watched)
    found = fasterpam(points, 3, seed=0, sample_size=150)
    assert found.params["path"] == "sample" and found.params["sample_size"] == 150 and len(found.labels) == 400
    assert max(seen) <= 150 * 150


@pytest.fixture(scope="module")
def small_data():
    request = SegmentRequest("generated", (3,), QuboRoute(params={"num_reads": 5, "num_sweeps": 100}), seed=1,
                             customers=260, resamples=3, stability_sample=120)
    return request, load_transactions(request)


def test_jobs_change_nothing_in_the_answer(small_data):
    request, data = small_data
    one = fit_segments(request, data)
    two = fit_segments(SegmentRequest(**{**request.__dict__, "jobs": 2}), data)
    assert np.array_equal(one.chosen.segmentation.labels, two.chosen.segmentation.labels)
    for name, found in one.baselines.items():
        other = two.baselines[name]
        assert np.array_equal(found.segmentation.medoids, other.segmentation.medoids)
        assert found.quality == other.quality
        assert (found.stability is None) == (other.stability is None)
        if found.stability is not None and other.stability is not None:
            assert found.stability.scores == other.stability.scores and found.stability.sample == 120
    assert one.chosen.stability == two.chosen.stability
    assert two.jobs == 2 and two.record.details["segment"]["jobs"] == 2


def test_every_step_is_timed_and_reported(small_data):
    request, data = small_data
    stream = io.StringIO()
    events: list[StepEvent] = []
    show = plain_progress(stream, every=0.0)
    result = fit_segments(request, data, Steps(lambda event: (events.append(event), show(event))))
    assert list(result.step_seconds) == ["fits", "quality", "stability", "profiles"]
    assert all(seconds >= 0 for seconds in result.step_seconds.values())
    assert result.record.details["segment"]["step_seconds"] == result.step_seconds
    advances = [event for event in events if event.state == "advance"]
    assert advances[-1].done == advances[-1].total == 5 * 3
    lines = stream.getvalue().splitlines()
    assert lines[0] == "qseg segment: fits ..." and lines[-1].startswith("qseg segment: profiles ") and lines[-1].endswith(" s)")
    assert "qseg segment: stability 15/15" in stream.getvalue()


def test_the_command_writes_step_times_and_jobs(tmp_path, capsys):
    out = tmp_path / "seg"
    assert main(["segment", "generated", "--customers", "150", "--k", "3", *QUICK, "--stability-sample", "100",
                 "--out", str(out)]) == 0
    record = json.loads((out / "record.json").read_text())["details"]["segment"]
    assert record["jobs"] == 1 and record["resamples"] == 2 and record["stability_sample"] == 100
    assert set(record["step_seconds"]) == {"load", "fits", "quality", "stability", "profiles"}
    summary = (out / "segment.md").read_text()
    assert "| stability |" in summary and "2 resamples of 100 customers" in summary
    err = capsys.readouterr().err.splitlines()
    assert "qseg segment: load ..." in err and any(line.startswith("qseg segment: write ") and "CPU" in line for line in err)


@pytest.mark.parametrize(("args", "field", "words"), [
    (["--resamples", "100000"], "resamples=100000", ["estimated", "limit is 1,000 resamples"]),
    (["--resamples", "900", "--stability-sample", "100000"], "resamples=900", ["estimated", "h"]),
    (["--stability-sample", "5"], "stability_sample=5", ["10..100,000"]),
    (["--stability-sample", "10000000"], "stability_sample=10000000", ["10..100,000"]),
    (["--k", "2..1000"], "k=2..1000", ["999 K values", "limit is 50"]),
    (["--k", "30", "--candidates", "20"], "k=30", ["among 20 candidates"]),
    (["--k", "300"], "k=300", ["among 200 candidates"]),
    (["--candidates", "2000000"], "candidates=2000000", ["GB", "the limit is"]),
    (["--candidates", "all", "--customers", "400000"], "candidates=all", ["400,000 candidates", "the limit is"]),
    (["--customers", "1000000000"], "customers=1000000000", ["GB", "the limit is"]),
    (["--jobs", "0"], "jobs=0", ["cores"]),
    (["--jobs", "100000"], "jobs=100000", ["cores"]),
])
def test_oversize_work_is_refused_before_anything_is_read(args, field, words, tmp_path, capsys, monkeypatch):
    def never(*_: object, **__: object) -> None:
        raise AssertionError("the transactions were read or generated")

    monkeypatch.setattr("qseg.workflows.segment.command.load_transactions", never)
    out = tmp_path / "out"
    source = ["generated", "--customers", "30000"] if "--customers" not in args else ["generated"]
    assert main(["segment", *source, *args, "--out", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and field in err[0] and all(word in err[0] for word in words), err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_candidates_past_memory_in_a_file_are_refused_after_counting_before_any_fit(tmp_path, capsys, monkeypatch):
    from qseg.data.rfm import synthetic_transactions, write_transactions_csv

    rows, _ = synthetic_transactions(120, 2)
    path = tmp_path / "tx.csv"
    write_transactions_csv(rows, path)
    monkeypatch.setattr("qseg.workflows.segment.limits.memory_limit", lambda: 50_000)

    def never(*_: object, **__: object) -> None:
        raise AssertionError("a fit started")

    monkeypatch.setattr("qseg.workflows.segment.pipeline.model_selection", never)
    monkeypatch.setattr("qseg.workflows.segment.pipeline.Workers", never)
    out = tmp_path / "out"
    assert main(["segment", str(path), "--k", "2..3", "--candidates", "all", "--out", str(out)]) == EXIT_BAD_INPUT
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("qseg segment: ")]
    assert len(err) == 1 and "candidates=all" in err[0] and "120 candidates" in err[0]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["tx.csv"]


def test_stability_sample_above_the_customers_is_the_seeds_whole_base(tmp_path):
    out = tmp_path / "seg"
    assert main(["segment", "generated", "--customers", "80", "--k", "2", *QUICK, "--out", str(out)]) == 0
    comparison = pd.read_csv(out / "comparison.csv")
    assert comparison["stability"].notna().sum() >= 4
    record = json.loads(Path(out / "record.json").read_text())
    assert record["details"]["segment"]["stability_sample"] == 80


def test_hdbscan_above_its_bound_fits_a_sample_and_labels_the_rest_by_their_nearest():
    from sklearn.metrics import adjusted_rand_score

    from qseg.workflows.segment.methods import hdbscan

    points, truth = blobs(n=900, k=3, seed=4, spread=0.5)
    full = hdbscan(points, min_cluster_size=20, min_samples=5)
    sampled = hdbscan(points, min_cluster_size=20, min_samples=5, max_fit=300, seed=1)
    assert full.params["path"] == "full" and sampled.params["path"] == "sample"
    assert sampled.params["sample_size"] == 300 and len(sampled.labels) == 900 and sampled.k == 3
    assert adjusted_rand_score(truth, sampled.labels) > 0.95
    assert np.array_equal(sampled.labels, hdbscan(points, min_cluster_size=20, min_samples=5, max_fit=300, seed=1).labels)


def test_the_commands_default_backend_is_tabu_and_its_refits_are_lighter(tmp_path):
    from qseg.workflows.segment.qubo_route import SEGMENT_BACKEND, STABILITY_TABU_READS

    tabu = QuboRoute(backend=SEGMENT_BACKEND)
    assert tabu.backend == "tabu" and tabu.for_refits().params == {"num_reads": STABILITY_TABU_READS}
    assert QuboRoute(backend="tabu", params={"num_reads": 7}).for_refits().params == {"num_reads": 7}
    assert QuboRoute(backend="sa").for_refits().params == {"num_reads": 20, "num_sweeps": 200}
    out = tmp_path / "seg"
    assert main(["segment", "generated", "--customers", "120", "--k", "3", "--param", "num_reads=2", "--resamples", "2",
                 "--out", str(out)]) == 0
    assert pd.read_csv(out / "comparison.csv")["method"][0] == "qubo:tabu/selection+polish+refine"


def test_a_refusal_comes_before_scikit_learn_and_the_backends_are_imported(tmp_path):
    import subprocess
    import sys

    code = ("import sys\nfrom qseg.cli import main\n"
            f"code = main(['segment', 'generated', '--resamples', '100000', '--out', {str(tmp_path / 'out')!r}])\n"
            "print(code, 'sklearn' in sys.modules, 'qseg_dwave' in sys.modules, 'scipy.spatial' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    # (qseg itself imports pandas and dimod; the segmentation's own imports come after the check.)
    assert done.stdout.split() == ["2", "False", "False", "False"], done.stderr
    assert "resamples=100000" in done.stderr and not (tmp_path / "out").exists()
