"""The package metadata tells the truth: pyproject.toml installs what numdl_core imports, and its extras are
the app's and the tests' install lists (requirements.txt, requirements-dev.txt)."""
from __future__ import annotations

import ast
import pathlib
import re
import sys
import tomllib

import numdl_core

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# import name -> distribution name, for the third-party modules numdl_core may import
DISTRIBUTION = {"numpy": "numpy", "scipy": "scipy", "sklearn": "scikit-learn", "threadpoolctl": "threadpoolctl"}


def _requirements(path: pathlib.Path) -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("-r ")}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower()


def _third_party_imports(top_level: bool) -> set[str]:
    """Top-level module names imported by numdl_core (at module level, or inside functions)."""
    found = set()
    for path in (ROOT / "numdl_core").rglob("*.py"):
        tree = ast.parse(path.read_text())
        module_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or (id(node) in module_level) != top_level:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            found |= {n.split(".")[0] for n in names}
    return {n for n in found if n not in sys.stdlib_module_names and n not in ("numdl_core", "__future__")}


def test_the_package_declares_what_numdl_core_imports():
    deps = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert deps == {"numpy", "scipy"}
    assert {DISTRIBUTION[m] for m in _third_party_imports(top_level=True)} <= deps
    # imported on use only (load_digits, sklearn_reference): the `sklearn` extra
    lazy = {DISTRIBUTION[m] for m in _third_party_imports(top_level=False)} - deps
    assert lazy == {"scikit-learn", "threadpoolctl"}
    assert lazy <= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["sklearn"]}


def test_the_extras_are_the_requirements_files():
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    # requirements.txt = the package's dependencies + the `app` extra, with the same pins
    assert _requirements(ROOT / "requirements.txt") == set(project["dependencies"]) | set(extras["app"])
    assert set(extras["dev"]) - {"numdl_core[app]"} == _requirements(ROOT / "requirements-dev.txt")
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert set(extras["sklearn"]) <= set(extras["app"])


def test_only_numdl_core_is_packaged_and_the_version_is_the_module_s():
    # every package of numdl_core (its subpackages too: setuptools installs only the listed ones), nothing else
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "numdl_core").rglob("__init__.py")}
    assert sorted(PYPROJECT["tool"]["setuptools"]["packages"]) == sorted(packages)
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "numdl_core.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", numdl_core.__version__)
    assert (ROOT / PYPROJECT["project"]["readme"]).is_file()


def test_docs_api_lists_every_public_name_and_marks_the_missing_modules_planned():
    """docs/api.md names every public function, class and constant of every numdl_core module, and the modules
    it marks "(planned)" do not exist yet (when one arrives, its section must be rewritten)."""
    import importlib
    import inspect
    import pkgutil

    text = (ROOT / "docs" / "api.md").read_text()
    missing = []
    import numdl_core.theory

    modules = [*pkgutil.iter_modules(numdl_core.__path__, "numdl_core."),
               *pkgutil.iter_modules(numdl_core.theory.__path__, "numdl_core.theory.")]  # each theory lab too
    for info in modules:
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        assert re.search(rf"^### .*{re.escape(info.name)}\b", text, flags=re.MULTILINE), f"no section for {info.name}"
        names = getattr(module, "__all__", None) or [
            n for n, o in vars(module).items()
            if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o))
            and o.__module__ == module.__name__]
        names += [n for n, o in vars(module).items()  # public, defined here, but not in __all__
                  if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o))
                  and o.__module__ == module.__name__ and n not in names]
        missing += [f"{info.name}.{n}" for n in names if not re.search(rf"`{re.escape(n)}[`(\s=]", text)]
    assert not missing, f"docs/api.md does not mention {missing}"
    for planned in re.findall(r"^### numdl_core\.([\w.]+) \(planned", text, flags=re.MULTILINE):
        assert importlib.util.find_spec(f"numdl_core.{planned}") is None, f"numdl_core.{planned} exists now"
    assert set(re.findall(r"^### numdl_core\.([\w.]+) \(planned", text, flags=re.MULTILINE)) == set()
