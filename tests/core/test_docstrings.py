"""numdl_core's documentation stays complete and true.

Every public function, class and method defined in a numdl_core module (walked with pkgutil; names imported
from elsewhere are checked where they are defined) has a numpydoc docstring with a ``Parameters`` section if
it takes arguments, ``Returns`` or ``Yields`` (functions and methods), ``Attributes`` (result records and
classes without arguments) and ``Raises`` where its own body raises ``ValueError`` or ``TypeError``. And
every ``Examples`` block in numdl_core runs as a doctest with fixed numpy print options.
"""
from __future__ import annotations

import dataclasses
import doctest
import importlib
import inspect
import pkgutil
import re
import textwrap

import numpy as np
import pytest

import numdl_core

MODULES = [importlib.import_module(info.name)
           for info in sorted(pkgutil.walk_packages(numdl_core.__path__, "numdl_core."), key=lambda i: i.name)]


def _is_public(name: str) -> bool:
    return not name.startswith("_")


def _documented_objects():
    """(qualified name, object, kind) for every public function, class and method defined in numdl_core."""
    out = []
    for mod in [numdl_core, *MODULES]:
        for name, obj in sorted(vars(mod).items()):
            if not _is_public(name) or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                out.append((f"{mod.__name__}.{name}", obj, "function"))
            elif inspect.isclass(obj):
                out.append((f"{mod.__name__}.{name}", obj, "class"))
                for mname, member in sorted(vars(obj).items()):
                    if _is_public(mname) and inspect.isfunction(member):
                        out.append((f"{mod.__name__}.{name}.{mname}", member, "method"))
    return out


OBJECTS = _documented_objects()


def _has_section(doc: str, title: str) -> bool:
    return re.search(rf"^{title}\n-{{3,}}$", doc, flags=re.MULTILINE) is not None


def _takes_arguments(obj, kind: str) -> bool:
    if kind == "class":
        if dataclasses.is_dataclass(obj) or getattr(obj, "_is_protocol", False) or obj.__init__ is object.__init__:
            return False
        obj = obj.__init__
    params = list(inspect.signature(obj).parameters.values())
    if kind == "method" or (kind == "class"):
        params = params[1:]  # self
    return bool(params)


def _own_raises(obj, kind: str) -> bool:
    """True if the body of the function (for a class: of __init__) raises ValueError or TypeError itself."""
    target = obj.__init__ if kind == "class" else obj
    if kind == "class" and (target is object.__init__ or getattr(obj, "_is_protocol", False)):
        return False
    try:
        src = textwrap.dedent(inspect.getsource(target))
    except (OSError, TypeError):
        return False
    return re.search(r"raise (ValueError|TypeError)\(", src) is not None


def test_the_walk_sees_every_module_and_the_main_names():
    names = {m.__name__ for m in MODULES}
    assert {"numdl_core.lstsq", "numdl_core.optim", "numdl_core.checks", "numdl_core.spectral"} <= names
    qualnames = {q for q, _, _ in OBJECTS}
    assert {"numdl_core.lstsq.solve", "numdl_core.checks.derivative_check",
            "numdl_core.classify.SoftmaxRegression.value_and_grad"} <= qualnames
    assert len(OBJECTS) > 100


@pytest.mark.parametrize("qualname, obj, kind", OBJECTS, ids=[q for q, _, _ in OBJECTS])
def test_numpydoc_sections(qualname, obj, kind):
    doc = inspect.getdoc(obj)
    assert doc, f"{qualname} has no docstring"
    missing = []
    if _takes_arguments(obj, kind) and not _has_section(doc, "Parameters"):
        missing.append("Parameters")
    if kind == "class":
        if not (_has_section(doc, "Parameters") or _has_section(doc, "Attributes")):
            missing.append("Attributes")
    elif not (_has_section(doc, "Returns") or _has_section(doc, "Yields")):
        missing.append("Returns (or Yields)")
    if _own_raises(obj, kind) and not _has_section(doc, "Raises"):
        missing.append("Raises")
    assert not missing, f"{qualname}: docstring lacks the numpydoc section(s) {', '.join(missing)}"


def _run_doctests(module) -> doctest.TestResults:
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(precision=6, suppress=True, linewidth=100, legacy=False):
        for test in finder.find(module, module.__name__, globs=dict(vars(module))):
            runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("module", [numdl_core, *MODULES], ids=lambda m: m.__name__)
def test_doctest_examples(module):
    result = _run_doctests(module)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples of {module.__name__} failed"


def test_the_doctests_are_found():
    """The finder sees the examples (a finder that saw none would pass every module above)."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    names = {t.name for m in MODULES for t in finder.find(m, m.__name__) if t.examples}
    assert {"numdl_core.lstsq.solve", "numdl_core.checks.derivative_check",
            "numdl_core.spectral.spectral_clustering", "numdl_core.optim.conjugate_gradient"} <= names
