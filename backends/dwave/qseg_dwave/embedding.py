"""Minor embeddings found once per (model graph, target graph, seed) and cached on disk.

A cell's child process may be new for every cell (Dask) and repeated cells share a model, so
the cache lives in ``$QSEG_CACHE_DIR/embeddings`` (default ``~/.cache/qseg``), one JSON file
per key: a hash of the model's variables and interactions, the target graph and the seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import dimod
import numpy as np


class EmbeddingStatistics(TypedDict):
    """What ``Embedding.statistics`` returns."""

    physical_qubits: int
    max_chain_length: int
    mean_chain_length: float


@dataclass(frozen=True)
class Embedding:
    """Chains of physical qubits per model variable, and how they were obtained."""

    chains: dict[Hashable, tuple[int, ...]]
    cached: bool
    find_ns: int
    target: str

    def statistics(self) -> EmbeddingStatistics:
        """Return ``physical_qubits``, ``max_chain_length`` and ``mean_chain_length``."""
        lengths = np.array([len(chain) for chain in self.chains.values()])
        return {
            "physical_qubits": int(lengths.sum()),
            "max_chain_length": int(lengths.max(initial=0)),
            "mean_chain_length": float(lengths.mean()) if len(lengths) else 0.0,
        }


def cache_dir() -> Path:
    """Return the directory embeddings are cached in."""
    root = os.environ.get("QSEG_CACHE_DIR") or Path.home() / ".cache" / "qseg"
    return Path(root) / "embeddings"


def target_id(name: str, edges: list[tuple[int, int]]) -> str:
    """Return an identity for a target graph: its name and a hash of its working edges (a QPU's
    working graph changes when qubits are taken offline, which invalidates embeddings)."""
    digest = hashlib.sha256(np.asarray(sorted(map(sorted, edges)), dtype=np.int64).tobytes()).hexdigest()
    return f"{name}-{digest[:16]}"


def find_embedding(
    bqm: dimod.BinaryQuadraticModel, target_edges: list[tuple[int, int]], target: str, *, seed: int, timeout_s: float
) -> Embedding:
    """Return a minor embedding of ``bqm``'s interaction graph into the target, from the cache when
    this exact (model graph, target, seed) was embedded before. Raises ValueError when minorminer
    finds none within ``timeout_s``."""
    import minorminer

    start = time.perf_counter_ns()
    variables = list(bqm.variables)
    path = cache_dir() / f"{_key(bqm, variables, target, seed)}.json"
    if path.exists():
        chains = json.loads(path.read_text())
        return Embedding(dict(zip(variables, map(tuple, chains))), True, time.perf_counter_ns() - start, target)
    source = [tuple(edge) for edge in _edges(bqm, variables).tolist()]
    # Variables without interactions still need a qubit; minorminer only sees edges.
    found = minorminer.find_embedding(
        source, target_edges, random_seed=seed, timeout=timeout_s, suspend_chains={}
    )
    isolated = [i for i in range(len(variables)) if i not in found]
    if len(found) + len(isolated) != len(variables) or (source and not found):
        raise ValueError(f"no embedding found within {timeout_s:g} s")
    used = {q for chain in found.values() for q in chain}
    free = iter(sorted({q for edge in target_edges for q in edge} - used))
    for i in isolated:
        found[i] = [next(free)]
    chains = [list(map(int, found[i])) for i in range(len(variables))]
    _write_atomically(path, json.dumps(chains))
    return Embedding(dict(zip(variables, map(tuple, chains))), False, time.perf_counter_ns() - start, target)


def _key(bqm: dimod.BinaryQuadraticModel, variables: Sequence[Hashable], target: str, seed: int) -> str:
    digest = hashlib.sha256()
    digest.update(repr(variables).encode())
    digest.update(_edges(bqm, variables).tobytes())
    digest.update(f"{target}|{seed}".encode())
    return digest.hexdigest()[:32]


def _edges(bqm: dimod.BinaryQuadraticModel, variables: Sequence[Hashable]) -> np.ndarray:
    """Return the interactions as sorted (i, j) index pairs, i < j, in ``variables`` order."""
    rows, cols, _ = bqm.to_numpy_vectors(variable_order=variables).quadratic
    pairs = np.sort(np.column_stack([rows, cols]).astype(np.int64), axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))] if len(pairs) else pairs.reshape(0, 2)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    os.replace(handle.name, path)
