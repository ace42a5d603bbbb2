"""The course search (app/search.py) and the search box on Home."""
from __future__ import annotations

import time

import pytest

from app.catalog import available
from app.search import MAX_QUERY, build_index, normalize, search
from tests.pages.helpers import app, assert_clean


@pytest.fixture(scope="module")
def index():
    return build_index()


def where(hits) -> list[tuple[str, str | None]]:
    return [(h.entry.url_path, h.section) for h in hits]


def test_index_reads_every_page_without_importing_it(index):
    files = {e.file for e in available()}
    assert {d.file for d in index} == files
    theory = {d.file for d in index if d.kind == "theory"}
    assert theory == files, f"no theory text found for {sorted(files - theory)}"
    sections = {(d.file, d.section) for d in index if d.kind == "section"}
    assert ("least_squares.py", "deblur") in sections and ("spectral_clustering.py", "toy") in sections
    assert len(sections) >= 60 and sum(d.kind == "experiment" for d in index) >= 150
    assert build_index() is index  # built once per process


def test_normalize():
    assert normalize("Semi-Convergence") == "semi convergence"
    assert normalize("  L_sym  ‖Gx‖; λ₂ ") == "l sym gx λ2"


@pytest.mark.parametrize("query", ["semi-convergence", "Semi convergence", "SEMI-CONVERGENCE", "semiconvergence"])
def test_semi_convergence_finds_the_deblurring_section(index, query):
    hits = search(index, query)
    assert ("least-squares", "deblur") in where(hits), where(hits)
    hit = hits[where(hits).index(("least-squares", "deblur"))]
    assert hit.label == "Ill-posed deblurring" and "semi-convergence" in hit.snippet.lower()
    assert {h.entry.url_path for h in hits} == {"least-squares"}


def test_fiedler_finds_spectral_clustering(index):
    hits = search(index, "Fiedler")
    assert hits and all(h.entry.url_path == "spectral-clustering" for h in hits), where(hits)
    assert ("spectral-clustering", "toy") in where(hits)
    assert all("fiedler" in h.snippet.lower() for h in hits)


def test_adjoint_finds_derivatives_and_optimal_control(index):
    pages = [h.entry.url_path for h in search(index, "adjoint")]
    assert "derivatives" in pages and "optimal-control" in pages, pages
    assert "adjoints" in normalize(" ".join(h.snippet for h in search(index, "adjoint")))  # a word's start matches


def test_taylor_and_cg(index):
    assert search(index, "Taylor")[0].entry.url_path == "derivatives"
    cg = where(search(index, "CG"))
    assert ("least-squares", "iterative") in cg[:2] and ("linear-classification", "train") in cg[:2], cg
    assert all(h.entry.url_path != "intro-theory" for h in search(index, "code")), "ode must not match inside words"


def test_ranked_and_limited(index):
    hits = search(index, "gradient", limit=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(set(where(hits))) == 5  # one hit per page section
    assert search(index, "gradient", limit=0) == []


@pytest.mark.parametrize("query", ["zzqxjv", "", "   ", "-- ** $$"])
def test_no_hits(index, query):
    assert search(index, query) == []


def test_a_huge_query_is_cut_not_searched(index):
    t = time.perf_counter()
    assert search(index, "semi-convergence " + "x" * 10_000) == []
    assert search(index, "ab " * 5_000) is not None
    assert time.perf_counter() - t < 1.0
    assert MAX_QUERY <= 1000
    with pytest.raises(TypeError, match="query"):
        search(index, None)


def test_home_search_box_links_to_the_section():
    at = app().run()
    assert_clean(at)
    assert not [c.value for c in at.caption if c.value.startswith("Nothing found")]
    at.text_input(key="home.search").input("semi-convergence").run()
    assert_clean(at)
    links = [e.proto for e in at.get("page_link")]
    deblur = [p for p in links if p.query_string == "section=deblur"]
    assert deblur and deblur[0].page == "least-squares" and "Ill-posed deblurring" in deblur[0].label
    assert deblur[0].icon == ":material/square_foot:"
    assert any("Semi-convergence" in c.value for c in at.caption)
    at.text_input(key="home.search").input("zzqxjv").run()
    assert_clean(at)
    assert any(c.value.startswith("Nothing found for") for c in at.caption)
    assert not [p for p in (e.proto for e in at.get("page_link")) if p.query_string]
