"""Training tests multiply small matrices: one BLAS thread is faster, and far faster on a busy machine
(OpenBLAS threads spin while they wait for a core). threadpoolctl ships with scikit-learn."""
import pytest


@pytest.fixture(autouse=True)
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it the tests still run, only slower
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
