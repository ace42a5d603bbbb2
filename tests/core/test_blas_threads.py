"""tests/conftest.py (like app/main.py) limits every BLAS library to one thread: check that it worked."""
from threadpoolctl import threadpool_info


def test_one_blas_thread():
    info = threadpool_info()
    assert info and all(i["num_threads"] == 1 for i in info), [(i["internal_api"], i["num_threads"]) for i in info]
