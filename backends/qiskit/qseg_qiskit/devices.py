"""Where the circuits run: Aer simulators (ideal or with a fake IBM device's noise), their pass
managers, the memory a statevector needs, and which packages are missing."""

from __future__ import annotations

import functools
import importlib.util
from typing import Any

from qseg.backends import available_memory as available_memory  # re-exported: the QAOA limit check reads it here

STATEVECTOR_BYTES_PER_AMPLITUDE = 16  # complex128
REQUIRED_PACKAGES = (("qiskit", "qiskit"), ("qiskit_aer", "qiskit-aer"), ("qiskit_optimization", "qiskit-optimization"))
NOISE_PACKAGE = ("qiskit_ibm_runtime", "qiskit-ibm-runtime")


@functools.cache
def missing_packages() -> tuple[str, ...]:
    """Return the distributions QAOA needs that are not installed (found without importing)."""
    return tuple(dist for module, dist in REQUIRED_PACKAGES if importlib.util.find_spec(module) is None)


def import_stack() -> None:
    """Import the qiskit modules a QAOA run needs (a no-op after the first call)."""
    import qiskit.transpiler  # noqa: F401
    import qiskit_aer.primitives  # noqa: F401
    import qiskit_optimization.minimum_eigensolvers  # noqa: F401
    import qiskit_optimization.translators  # noqa: F401


def statevector_bytes(num_qubits: int) -> int:
    """Return the bytes of an ``num_qubits`` statevector (16 B × 2^n)."""
    return STATEVECTOR_BYTES_PER_AMPLITUDE << num_qubits


def format_bytes(count: int) -> str:
    """Return ``count`` bytes in binary units (``256 MiB``)."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@functools.cache
def fake_device_names() -> tuple[str, ...]:
    """Return the class names of the offline fake IBM devices (e.g. ``FakeManilaV2``).

    Raises ImportError when qiskit-ibm-runtime is not installed.
    """
    from qiskit_ibm_runtime import fake_provider
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    return tuple(
        sorted(
            name
            for name in dir(fake_provider)
            if isinstance(getattr(fake_provider, name), type)
            and issubclass(getattr(fake_provider, name), FakeBackendV2)
            and getattr(fake_provider, name) is not FakeBackendV2
        )
    )


@functools.cache
def fake_device(name: str) -> Any:
    """Return the fake device ``name`` (a ``FakeBackendV2``; loaded once, it reads JSON files)."""
    from qiskit_ibm_runtime import fake_provider

    return getattr(fake_provider, name)()


def simulator(method: str, threads: int, noise: str | None) -> Any:
    """Return an ``AerSimulator`` with ``method`` and at most ``threads`` threads; with ``noise``,
    carrying that fake device's noise model, basis gates and coupling map."""
    from qiskit_aer import AerSimulator

    options = {"method": method, "max_parallel_threads": threads}
    if noise is None:
        return AerSimulator(**options)
    return AerSimulator.from_backend(fake_device(noise), **options)


def pass_manager(backend: Any, seed: int | None) -> Any:
    """Return qiskit's preset pass manager (level 1) for ``backend``, seeded for reproducible
    layout and routing."""
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=seed)


def gate_depth(circuit: Any) -> int:
    """Return the depth of ``circuit`` counting gates only (no measurements or barriers)."""
    return int(circuit.depth(lambda instruction: instruction.operation.name not in ("measure", "barrier")))
