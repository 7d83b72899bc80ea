"""The hostile pass of issue 23 over the JSON qseg reads back and over its stores: saved
segmenters (``qseg segment --assign``), bin sets (``load_bins``), ``run.json``, the lines of
``cells.jsonl`` (``qseg report``, ``qseg compare``, ``qseg bench --resume``) and suites.

Every case must end as ``fuzz_bad_inputs`` defines clean: exit 2 with one line naming a field
(or a ``BadInputError`` of one line), no traceback, and the case's folder byte for byte as it was.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fuzz_bad_inputs import Case, suite

DEEP = 100_000  # far past the C parser's recursion limit and Python's
HUGE = "9" * 400  # a 400-digit integer: OverflowError as a float
HUGER = "7" * 5000  # past Python's 4300-digit int() limit: ValueError in the parser itself
NOT_UTF8 = b"\xff\xfe\xc3\x28"
BOM = b"\xef\xbb\xbf"
OVERSIZE = 17 << 20  # just over the 16 MiB bound of a segmenter or a bin set


def a_segmenter() -> dict[str, Any]:
    """Return a valid segmenter document (``qseg.workflows.segment.segmenter``) to damage."""
    from qseg.data.rfm import FEATURES

    features = list(FEATURES)
    return {"schema_version": 1, "features": features,
            "scaling": {"method": "standard", "features": features, "mean": [0.0] * len(features),
                        "scale": [1.0] * len(features)},
            "medoids": [[0.1 * i] * len(features) for i in range(3)], "segment_names": ["a", "b", "c"],
            "method": "fasterpam", "backend": None}


def _raw(document: dict[str, Any], key: str, token: str) -> str:
    """Return ``document`` as JSON text with the value of ``key`` replaced by the raw ``token``
    (a number or literal json.dumps would never write)."""
    return json.dumps({**document, key: "@@"}).replace('"@@"', token)


def _segmenter_cases() -> Iterator[Case]:
    good = a_segmenter()

    def assign(name: str, content: str | bytes | None = None, *, links: dict[str, str] | None = None,
               files: dict[str, str | bytes] | None = None) -> Case:
        given = dict(files or {})
        if content is not None:
            given["seg.json"] = content
        return Case(f"segment --assign {name}", ("segment", "tx.csv", "--assign", "seg.json"), files=given,
                    links=links or {})

    yield assign("whole file nested 100000 deep", "[" * DEEP + "]" * DEEP)
    yield assign("scaling nested 100000 deep", _raw(good, "scaling", "[" * DEEP + "]" * DEEP))
    yield assign("objects nested 100000 deep", '{"a":' * DEEP + "1" + "}" * DEEP)
    yield assign("400-digit integer in medoids", _raw(good, "medoids", f"[[{HUGE}, 0, 0, 0, 0]]"))
    yield assign("5000-digit integer in medoids", _raw(good, "medoids", f"[[{HUGER}, 0, 0, 0, 0]]"))
    yield assign("-400-digit integer in medoids", _raw(good, "medoids", f"[[-{HUGE}, 0, 0, 0, 0]]"))
    scaling = json.dumps(good["scaling"]).replace("[0.0, 0.0", f"[{HUGE}, 0.0", 1)
    yield assign("400-digit integer in scaler mean", _raw(good, "scaling", scaling))
    yield assign("NaN in medoids", _raw(good, "medoids", "[[NaN, 0, 0, 0, 0]]"))
    yield assign("Infinity in medoids", _raw(good, "medoids", "[[Infinity, 0, 0, 0, 0]]"))
    yield assign("-Infinity in medoids", _raw(good, "medoids", "[[-Infinity, 0, 0, 0, 0]]"))
    yield assign("1e999 in medoids", _raw(good, "medoids", "[[1e999, 0, 0, 0, 0]]"))
    yield assign("NaN in scaler scale", _raw(good, "scaling", json.dumps(good["scaling"]).replace("1.0", "NaN", 1)))
    yield assign("medoids as text", json.dumps({**good, "medoids": "[[0,0,0,0,0]]"}))
    yield assign("medoids ragged", json.dumps({**good, "medoids": [[0, 0, 0, 0, 0], [0, 0], [0, 0, 0, 0, 0]]}))
    yield assign("medoids of text", json.dumps({**good, "medoids": [["0"] * 5] * 3}))
    yield assign("medoids of booleans", json.dumps({**good, "medoids": [[True, False, True, False, True]] * 3}))
    yield assign("medoids nested a level deeper", json.dumps({**good, "medoids": [[[0.0]] * 5] * 3}))
    yield assign("medoids of objects", json.dumps({**good, "medoids": [[{"x": 1}] * 5] * 3}))
    yield assign("medoids empty", json.dumps({**good, "medoids": []}))
    yield assign("medoids null", json.dumps({**good, "medoids": None}))
    yield assign("features an object", json.dumps({**good, "features": {"Recency": 1}}))
    yield assign("features with an empty name", json.dumps({**good, "features": ["", *good["features"][1:]]}))
    yield assign("segment names fewer than medoids", json.dumps({**good, "segment_names": ["a", "b"]}))
    yield assign("segment names numbers", json.dumps({**good, "segment_names": [1, 2, 3]}))
    yield assign("schema_version true", json.dumps({**good, "schema_version": True}))
    yield assign("schema_version text", json.dumps({**good, "schema_version": "1"}))
    yield assign("schema_version 1.0", json.dumps({**good, "schema_version": 1.0}))
    yield assign("schema_version 400 digits", _raw(good, "schema_version", HUGE))
    yield assign("method null", json.dumps({**good, "method": None}))
    yield assign("backend a number", json.dumps({**good, "backend": 5}))
    yield assign("scaling a list", json.dumps({**good, "scaling": [1, 2]}))
    yield assign("unknown key with a newline", json.dumps({**good, "evil\n# heading": 1}))
    yield assign("missing medoids", json.dumps({k: v for k, v in good.items() if k != "medoids"}))
    yield assign("top level an array", "[1, 2, 3]")
    yield assign("top level null", "null")
    yield assign("top level a number", "42")
    yield assign("top level a string", '"segmenter"')
    yield assign("empty file", "")
    yield assign("whitespace only", " \n\t\n")
    yield assign("truncated", json.dumps(good)[: len(json.dumps(good)) // 2])
    yield assign("byte-order mark then garbage", BOM + b"{garbage")
    yield assign("non-UTF-8 in a name", json.dumps(good).encode().replace(b'"fasterpam"', b'"faster' + NOT_UTF8 + b'"'))
    yield assign("UTF-16 text", json.dumps(good).encode("utf-16"))
    yield assign("binary with NUL bytes", bytes(range(256)) * 4)
    yield assign("brackets inside a string do not count, a bad medoid still does",
                 json.dumps({**good, "method": "[" * DEEP, "medoids": "x"}))
    yield assign("is /dev/zero", links={"seg.json": "/dev/zero"})
    yield assign("larger than 16 MiB", b" " * OVERSIZE + b"{}")
    yield assign("is a folder", files={"seg.json/x": "x"})
    yield assign("missing file")


def a_bin_set() -> dict[str, Any]:
    """Return a valid bin set (``qseg.problems.binning.bins``) to damage."""
    return {"edges": [0.0, 0.25, 0.5, 1.0], "table": [{"bin": 0, "customers": 3}]}


def _load_bins(folder: Path) -> Any:
    from qseg.problems.binning import load_bins

    return load_bins(folder / "bins.json")


def _bins_cases() -> Iterator[Case]:
    good = a_bin_set()

    def bins(name: str, content: str | bytes | None = None, *, links: dict[str, str] | None = None) -> Case:
        return Case(f"api load_bins {name}", call=_load_bins, files={} if content is None else {"bins.json": content},
                    links=links or {})

    for label, edges in (("[false, true]", [False, True]), ("text edges", ["0", "1"]),
                         ("ragged lists", [[0, 0.5], [1]]), ("objects", [{"a": 0}, {"b": 1}]), ("a string", "0,1"),
                         ("null", None), ("an object", {"0": 0, "1": 1}), ("[0, true, 1]", [0, True, 1]), ("[]", []),
                         ("2-d [[0, 1]]", [[0, 1]]), ("not increasing", [0, 0.5, 0.5, 1]), ("descending", [1, 0]),
                         ("not starting at 0", [0.1, 1]), ("one edge", [0])):
        yield bins(f"edges {label}", json.dumps({**good, "edges": edges}))
    yield bins("edges with NaN", _raw(good, "edges", "[0, NaN, 1]"))
    yield bins("edges with Infinity", _raw(good, "edges", "[0, Infinity]"))
    yield bins("edges with 1e999", _raw(good, "edges", "[0, 1e999]"))
    yield bins("edges with a 400-digit integer", _raw(good, "edges", f"[0, {HUGE}, 1]"))
    yield bins("table with a 5000-digit integer", _raw(good, "table", f"[{HUGER}]"))
    yield bins("no edges", json.dumps({"table": []}))
    yield bins("top level an array", "[0, 1]")
    yield bins("nested 100000 deep", '{"edges": ' + "[" * DEEP + "]" * DEEP + "}")
    yield bins("empty file", "")
    yield bins("truncated", '{"edges": [0, 0.5,')
    yield bins("non-UTF-8", b'{"edges": [0, 1], "name": "' + NOT_UTF8 + b'"}')
    yield bins("is /dev/zero", links={"bins.json": "/dev/zero"})
    yield bins("missing file")


# -- stores ---------------------------------------------------------------------------------------


def _hand_store() -> tuple[str, list[dict[str, Any]]]:
    """Return a hand-made store's run.json text (listing its cells' keys) and its cells."""
    from report_support import RUN, records

    cells = records()[:6]
    return json.dumps({**RUN, "cells": len(cells), "cell_keys": [cell["key"] for cell in cells]}), cells


def _store_files(extra: bytes | None = None, *, run: str | bytes | None = None, prefix: str = "store") -> dict[str, str | bytes]:
    """Return the files of the hand-made store, ``extra`` appended to its cells.jsonl after the
    third line (so a bad line is never the torn last one) and ``run`` as its run.json if given."""
    run_text, cells = _hand_store()
    lines = [json.dumps(cell).encode() + b"\n" for cell in cells]
    if extra is not None:
        lines.insert(3, extra if extra.endswith(b"\n") else extra + b"\n")
    return {f"{prefix}/run.json": run_text if run is None else run, f"{prefix}/cells.jsonl": b"".join(lines)}


def bad_store_lines() -> list[tuple[str, bytes]]:
    """Return (what is wrong, the line) for every kind of line that is no cell of the store."""
    _, cells = _hand_store()
    cell = cells[0]

    def edited(**fields: Any) -> bytes:
        return json.dumps({**cell, **fields}).encode()

    foreign = {**cell, "key": "f" * 20, "spec": {**cell["spec"], "instance": {**cell["spec"]["instance"], "seed": 999}}}
    return [
        ("non-UTF-8 line", b'{"key": "' + NOT_UTF8 + b'"}'),
        ("not JSON", b"this is not json"),
        ("torn line in the middle", json.dumps(cell).encode()[:80]),
        ("a bare number", b"42"),
        ("null", b"null"),
        ("an array", b"[1, 2]"),
        ("a string", b'"cell"'),
        ("an empty object", b"{}"),
        ("an empty line", b""),
        ("no key", json.dumps({k: v for k, v in cell.items() if k != "key"}).encode()),
        ("key a number", edited(key=7)),
        ("gap as a string", edited(gap="0.5")),
        ("size as a list", edited(size=[1])),
        ("feasible as text", edited(feasible="yes")),
        ("wall_s as an object", edited(wall_s={"s": 1})),
        ("timing as a list", edited(timing=[1, 2])),
        ("status unknown", edited(status="finished")),
        ("status a number", edited(status=1)),
        ("objective true", edited(objective=True)),
        ("problem missing", json.dumps({k: v for k, v in cell.items() if k != "problem"}).encode()),
        ("nested 100000 deep", b'{"key": "x", "details": ' + b"[" * DEEP + b"]" * DEEP + b"}"),
        ("a 400-digit gap", json.dumps({**cell, "gap": "@@"}).replace('"@@"', HUGE).encode()),
        ("a 5000-digit seed", json.dumps({**cell, "seed": "@@"}).replace('"@@"', HUGER).encode()),
        ("NaN gap", json.dumps({**cell, "gap": "@@"}).replace('"@@"', "NaN").encode()),
        ("Infinity wall_s", json.dumps({**cell, "wall_s": "@@"}).replace('"@@"', "Infinity").encode()),
        ("a cell appended twice", json.dumps(cell).encode()),
        ("another suite's cell", json.dumps(foreign).encode()),
        ("byte-order mark before a cell", BOM + json.dumps({**cell, "key": "k9999"}).encode()),
    ]


@functools.cache
def _bench_store() -> Path:
    """Return a one-cell store written by a real ``qseg bench`` of ``suite("")`` (built once)."""
    import contextlib
    import io

    from qseg.cli import main

    root = Path(tempfile.mkdtemp(prefix="qseg-fuzz-store-"))
    (root / "s.toml").write_text(suite(""))
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["bench", str(root / "s.toml"), "--out", str(root / "store"), "--workers", "1"]) == 0
    return root


def _resume_with(line: bytes | None, *, run_edit: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 link: str | None = None) -> Callable[[Path], None]:
    """Return a ``prepare`` that copies the bench store into the case's folder, then appends
    ``line`` to its cells.jsonl (before a second copy of its last good line), edits run.json,
    or replaces cells.jsonl with a link."""
    def prepare(folder: Path) -> None:
        source = _bench_store()
        shutil.copy(source / "s.toml", folder / "s.toml")
        shutil.copytree(source / "store", folder / "store")
        cells = folder / "store" / "cells.jsonl"
        if line is not None:
            good = cells.read_bytes()
            cells.write_bytes(line + b"\n" + good)
        if run_edit is not None:
            path = folder / "store" / "run.json"
            path.write_text(json.dumps(run_edit(json.loads(path.read_text()))))
        if link is not None:
            cells.unlink()
            cells.symlink_to(link)
    return prepare


def _store_cases() -> Iterator[Case]:
    run_text, _ = _hand_store()
    for what, line in bad_store_lines():
        yield Case(f"report store line: {what}", ("report", "store"), files=_store_files(line))
    for what, line in bad_store_lines()[::3]:
        yield Case(f"compare store line: {what}", ("compare", "a", "b"),
                   files={**_store_files(prefix="a"), **_store_files(line, prefix="b")})
    yield Case("report cells.jsonl is /dev/zero", ("report", "store"), files={"store/run.json": run_text},
               links={"store/cells.jsonl": "/dev/zero"})
    yield Case("report cells.jsonl is a folder", ("report", "store"),
               files={"store/run.json": run_text, "store/cells.jsonl/x": "x"})
    yield Case("report cells.jsonl line over 4 MiB", ("report", "store"),
               files=_store_files(b'{"key": "' + b"x" * (5 << 20) + b'"}'))
    for what, content in (("nested 100000 deep", "[" * DEEP + "]" * DEEP), ("truncated", run_text[: len(run_text) // 2]),
                          ("a 400-digit cells count", run_text.replace('"cells": 6', f'"cells": {HUGE}')),
                          ("NaN workers", run_text.replace('"workers": 1', '"workers": NaN')),
                          ("non-UTF-8", run_text.encode().replace(b'"hand"', b'"' + NOT_UTF8 + b'"')),
                          ("byte-order mark then garbage", BOM + b"{garbage")):
        yield Case(f"report run.json {what}", ("report", "store"), files=_store_files(run=content))
    yield Case("report run.json is /dev/zero", ("report", "store"), files={"store/cells.jsonl": ""},
               links={"store/run.json": "/dev/zero"})
    yield Case("compare run.json truncated", ("compare", "a", "b"),
               files={**_store_files(prefix="a"), **_store_files(run=run_text[:40], prefix="b")})
    resume = ("bench", "s.toml", "--out", "store", "--resume", "--workers", "1")
    for what, line in bad_store_lines()[::2]:
        yield Case(f"bench --resume store line: {what}", resume, prepare=_resume_with(line))
    yield Case("bench --resume cell appended twice", resume, prepare=_duplicate_last())
    yield Case("bench --resume cells.jsonl is /dev/zero", resume, prepare=_resume_with(None, link="/dev/zero"))
    yield Case("bench --resume run.json with a 400-digit schema_version", resume,
               prepare=_resume_with(None, run_edit=lambda run: {**run, "schema_version": int(HUGE)}))
    yield Case("bench --repair without --resume", ("bench", "s.toml", "--out", "fresh", "--repair"),
               files={"s.toml": suite("")})


def _duplicate_last() -> Callable[[Path], None]:
    """Return a ``prepare`` whose store holds its one cell twice."""
    def prepare(folder: Path) -> None:
        _resume_with(None)(folder)
        cells = folder / "store" / "cells.jsonl"
        cells.write_bytes(cells.read_bytes() * 2)
    return prepare


def _suite_cases() -> Iterator[Case]:
    bench = ("bench", "s.toml", "--out", "store")
    for what, body in (("arrays nested 2000 deep", "timeout_s = " + "[" * 2000 + "]" * 2000),
                       ("inline tables nested 2000 deep", "timeout_s = " + "{a = " * 2000 + "1" + "}" * 2000),
                       ("a dotted key 5000 parts deep", ".".join(["x"] * 5000) + " = 1"),
                       ("a 400-digit timeout", f"timeout_s = {HUGE}"), ("a 5000-digit timeout", f"timeout_s = {HUGER}"),
                       ("timeout nan", "timeout_s = nan"), ("timeout inf", "timeout_s = inf"),
                       ("eps 1e999", "eps = 1e999"), ("a 400-digit description", f"description = {HUGE}")):
        yield Case(f"bench suite {what}", bench, files={"s.toml": suite(body)})
    yield Case("bench suite is /dev/zero", bench, links={"s.toml": "/dev/zero"})
    yield Case("bench suite larger than 4 MiB", bench, files={"s.toml": suite("") + "#" * (5 << 20) + "\n"})


def damaged_json_cases() -> list[Case]:
    """Return every case of this module."""
    return [*_segmenter_cases(), *_bins_cases(), *_store_cases(), *_suite_cases()]
