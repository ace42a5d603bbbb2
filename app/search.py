"""Search the course: which page and section covers a term ("semi-convergence", "Fiedler", "adjoint", "CG").

The index is built from what the pages declare, read from their source with :mod:`ast` (a page module draws
Streamlit elements when imported, so none is imported):

- the catalog's title and summary of every page (:mod:`app.catalog`);
- each page's sections, the ``SECTIONS = {key: label}`` literal of ``pages/<page>.py``;
- the theory text, the first argument of ``lesson.theory(...)`` (a literal, or a name such as ``*oc.THEORY``
  defined in a module of ``app/lessons/`` that the page imports);
- the guided experiments, the title and question of each ``Experiment(title, question, observe, settings)``
  in the page and in the lesson modules it imports; ``settings["section"]`` names the section (the answers,
  ``observe``, are not searched: a hit would give them away).

Matching ignores case, compatibility forms (NFKC: λ₂ is λ2) and punctuation: "semi convergence",
"Semi-Convergence" and "semi-convergence" are the same query, and "semiconvergence" finds "semi-convergence" too.
Every word of the query must start a word of the text ("adjoint" finds "adjoints", "CG" finds "CGLS", "ode" does
not find "code").
No Streamlit here: app/home.py draws the results.
"""
from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from app.catalog import ROOT, Entry, available

__all__ = ["Doc", "Hit", "build_index", "search", "normalize", "MAX_QUERY"]

MAX_QUERY = 200  # characters of a query that are used (a pasted page of text is cut, not searched)
MAX_TERMS = 12
SNIPPET = 140  # characters of text around the match
# A match in a section's name counts most, then an experiment's (it names the section), then the page's title
# and summary, then the theory.
WEIGHT = {"section": 4.0, "experiment": 2.0, "page": 1.5, "theory": 1.0}
LESSONS = "app.lessons"


@dataclass(frozen=True)
class Doc:
    """One searchable text: where it is (page file, section key or ``None``) and what it says."""

    file: str  # the page's file in pages/ (as in app/catalog.py)
    section: str | None  # the page's section key (the URL's ?section=), None for the page as a whole
    label: str  # what the result link names: the section's label, "Theory", or "" for the page itself
    kind: str  # "page", "section", "theory" or "experiment"
    text: str
    norm: str  # normalize(text)


@dataclass(frozen=True)
class Hit:
    """A search result: the page, its section (``None``: the page itself) and a snippet around the match."""

    entry: Entry
    section: str | None
    label: str
    snippet: str
    score: float


def normalize(text: str) -> str:
    """Lower case, NFKC (λ₂ -> λ2), runs of punctuation and space one space: "Semi-Convergence" -> "semi convergence".
    """
    return " ".join(re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).split())


# ----------------------------------------------------------------------------------------------- reading the source
class _Module:
    """A module's top-level assignments and the lesson modules it imports, for resolving names statically."""

    def __init__(self, path: Path, cache: dict[Path, _Module]):
        self.path = path
        self.cache = cache
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        self.tree = ast.parse(source)
        self.assigns: dict[str, ast.expr] = {}
        self.aliases: dict[str, Path] = {}  # `from app.lessons import x as y`: y -> app/lessons/x.py
        self.imported: dict[str, tuple[Path, str]] = {}  # `from app.lessons.x import A as B`: B -> (x.py, "A")
        for node in self.tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigns[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.assigns[node.target.id] = node.value
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    if node.module == LESSONS:
                        self.aliases[a.asname or a.name] = _lesson_path(a.name)
                    elif node.module.startswith(LESSONS + "."):
                        self.imported[a.asname or a.name] = (_lesson_path(node.module[len(LESSONS) + 1:]), a.name)

    def lesson_modules(self) -> list[_Module]:
        """The modules of app/lessons/ this module imports."""
        paths = dict.fromkeys([*self.aliases.values(), *(p for p, _ in self.imported.values())])
        return [_module(p, self.cache) for p in paths if p.exists()]

    def value(self, node: ast.AST | None, depth: int = 0) -> Any:
        """The value of a literal expression (strings, their concatenation, tuples, lists, dicts, names), or None."""
        if node is None or depth > 20:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts
            return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            return left + right if isinstance(left, str) and isinstance(right, str) else None
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.value(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.Dict):
            out: dict = {}
            for k, v in zip(node.keys, node.values):
                if k is None:  # {**other, ...}
                    other = self.value(v, depth + 1)
                    out.update(other if isinstance(other, dict) else {})
                else:
                    out[self.value(k, depth + 1)] = self.value(v, depth + 1)
            return out
        if isinstance(node, ast.Starred):
            return self.value(node.value, depth + 1)
        if isinstance(node, ast.Name):
            if node.id in self.assigns:
                return self.value(self.assigns[node.id], depth + 1)
            if node.id in self.imported:
                path, name = self.imported[node.id]
                return _module(path, self.cache).value(ast.Name(name), depth + 1)
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.aliases:
            return _module(self.aliases[node.value.id], self.cache).value(ast.Name(node.attr), depth + 1)
        return None

    def calls(self, test) -> list[ast.Call]:
        return [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and test(n.func)]


def _lesson_path(dotted: str) -> Path:
    return ROOT / "app" / "lessons" / (dotted.replace(".", "/") + ".py")


def _module(path: Path, cache: dict[Path, _Module]) -> _Module:
    if path not in cache:
        cache[path] = _Module(path, cache)
    return cache[path]


def _is_name(name: str):
    return lambda f: isinstance(f, ast.Name) and f.id == name


def _arg(module: _Module, call: ast.Call, i: int, keyword: str) -> Any:
    if len(call.args) > i and not any(isinstance(a, ast.Starred) for a in call.args[:i + 1]):
        return module.value(call.args[i])
    return next((module.value(k.value) for k in call.keywords if k.arg == keyword), None)


def _page_docs(entry: Entry, cache: dict[Path, _Module]) -> list[Doc]:
    page = _module(entry.path, cache)
    docs = [Doc(entry.file, None, "", "page", f"{entry.title}. {entry.summary}", "")]
    sections = page.value(page.assigns.get("SECTIONS"))
    sections = {k: v for k, v in sections.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(sections, dict) else {}
    docs += [Doc(entry.file, key, label, "section", label, "") for key, label in sections.items()]
    for call in page.calls(lambda f: isinstance(f, ast.Attribute) and f.attr == "theory"):
        text = page.value(call.args[0]) if call.args else None
        text = text[0] if isinstance(text, tuple) and text else text
        if isinstance(text, str):
            docs.append(Doc(entry.file, None, "Theory", "theory", text, ""))
    for module in (page, *page.lesson_modules()):
        for call in module.calls(_is_name("Experiment")):
            title, question = _arg(module, call, 0, "title"), _arg(module, call, 1, "question")
            settings = _arg(module, call, 3, "settings")
            key = settings.get("section") if isinstance(settings, dict) else None
            key = key if key in sections else None
            if isinstance(title, str):
                text = f"{title}. {question}" if isinstance(question, str) else title
                docs.append(Doc(entry.file, key, sections.get(key, "Try this"), "experiment", text, ""))
    return [Doc(d.file, d.section, d.label, d.kind, d.text, normalize(d.text)) for d in docs]


@lru_cache(maxsize=1)
def build_index() -> tuple[Doc, ...]:
    """Every searchable text of the pages that exist (read once per process: the pages' source does not change)."""
    cache: dict[Path, _Module] = {}
    return tuple(d for entry in available() for d in _page_docs(entry, cache))


# ----------------------------------------------------------------------------------------------------- searching
def _snippet(text: str, terms: Sequence[str]) -> str:
    """About :data:`SNIPPET` characters of ``text`` around the first match, plain text on one line."""
    text = " ".join(unicodedata.normalize("NFKC", text).replace("**", "").replace("`", "").split())
    m = (re.search(r"\b" + r"[\W_]*".join(map(re.escape, "".join(terms))), text, re.IGNORECASE)
         or re.search(r"\b" + re.escape(max(terms, key=len)), text, re.IGNORECASE))
    start = max(0, (m.start() if m else 0) - SNIPPET // 3)
    end = min(len(text), start + SNIPPET)
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return ("…" if start > 0 else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def search(index: Sequence[Doc], query: str, limit: int = 10) -> list[Hit]:
    """The pages and sections whose texts match ``query``, best first, at most ``limit``, one hit per section.

    A text matches when the query's letters, in order and with any spaces or punctuation between them, start a
    word of it ("semi convergence", "semiconvergence" and "semi-convergence" match "Semi-convergence") or, scoring
    lower, when each word of the query starts some word of it (not for a query with a one-letter word). The score
    is the kind's :data:`WEIGHT` (three times for the phrase), plus a little for each further match in the text,
    summed over the texts of a section (a section that mentions the term often ranks first); the snippet is from
    its best text.

    Parameters
    ----------
    index : sequence of Doc
        The texts to search, :func:`build_index`.
    query : str
        What to find; only its first :data:`MAX_QUERY` characters are used.
    limit : int
        The most hits returned.

    Returns
    -------
    list of Hit
        Best first; empty for a query without letters or digits or without a match.
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    terms = normalize(query[:MAX_QUERY]).split()[:MAX_TERMS]
    if not terms or limit <= 0:
        return []
    phrase = re.compile(r"\b" + " ?".join(map(re.escape, "".join(terms))))  # a space may fall anywhere
    # each word anywhere, unless one is a single letter ("L-curve": "l" starts too many words, "curve" alone is
    # another term)
    words = [re.compile(r"\b" + re.escape(t)) for t in terms] if min(map(len, terms)) > 1 else []
    entries = {e.file: e for e in available()}
    best: dict[tuple[str, str | None], tuple[float, int, Doc]] = {}  # (page, section): its best text
    total: dict[tuple[str, str | None], float] = {}
    for order, doc in enumerate(index):
        found = len(phrase.findall(doc.norm))
        if found:
            score = 3 * WEIGHT.get(doc.kind, 1.0) + 0.1 * min(found - 1, 5)
        elif words and all(w.search(doc.norm) for w in words):
            score = WEIGHT.get(doc.kind, 1.0)
        else:
            continue
        where = (doc.file, doc.section)
        if doc.file not in entries:
            continue
        total[where] = total.get(where, 0.0) + score
        if where not in best or score > best[where][0]:
            best[where] = (score, best.get(where, (0, order))[1], doc)
    ranked = sorted(best, key=lambda w: (-total[w], best[w][1]))[:limit]
    return [Hit(entries[w[0]], w[1], best[w][2].label, _snippet(best[w][2].text, terms), round(total[w], 2))
            for w in ranked]
