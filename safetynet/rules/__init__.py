"""SafetyNet rules engine (规则引擎): dated parameters and vectorized programs of POLICY §3.

Pure Python + numpy (+ PyYAML, python-stdnum); imports no Django.

Modules depend one way (catalog, columns, money → parameters → batch → engine → programs →
situation): importing ``safetynet.rules`` (or any of its modules) gives the whole program registry.

Public API::

    from safetynet.rules import calculate, SituationError, load_parameters, run_batch
"""

from . import programs as _programs  # registers every program: the registry is whole on import
from .catalog import CATALOG
from .engine import PROGRAMS, ProgramResult, Trace, run_batch
from .parameters import ParameterError, ParameterSet, load_parameters, load_tree

del _programs

__all__ = [
    "CATALOG",
    "PROGRAMS",
    "ParameterError",
    "ParameterSet",
    "ProgramResult",
    "SituationError",
    "Trace",
    "arrears",
    "calculate",
    "load_parameters",
    "load_tree",
    "run_batch",
]


def __getattr__(name: str):  # lazy: keep `import safetynet.rules` light
    if name in ("calculate", "SituationError"):
        from . import situation

        return getattr(situation, name)
    if name == "arrears":
        from .retro import arrears

        return arrears
    raise AttributeError(name)
