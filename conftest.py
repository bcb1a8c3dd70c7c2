"""Settings for every pytest run, including `python -m pytest notebooks/NN_x.ipynb` alone."""

import os

import pytest

# The notebook test: each notebook runs once per session (tests/notebook_runs.py), and the
# sliders' test and the readers' edition reuse the run; it replaces nbval's collection.
from tests import notebook_runs
from tests.notebook_runs import pytest_collect_file  # noqa: F401

# The graded lab's expectations (`utils.checks.lab.expect`) only print in students' runs; in
# the course's own runs they fail, so that a complete edition whose story broke is caught.
# The notebooks' kernels inherit this environment.
os.environ.setdefault("DLB_STRICT", "1")

# With pytest-xdist every core runs a worker already: one thread each for torch and BLAS (read
# when torch is imported, after this file), or their thread pools fight over the cores.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = "1"


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which would choose "load"
def pytest_cmdline_main(config):
    """With pytest-xdist (`-n auto`, the README's command), the tests that reuse the session's
    notebook runs share one worker (their `xdist_group`, tests/conftest.py), which runs each
    notebook once; every other test goes to whichever worker is free."""
    if getattr(config.option, "numprocesses", None) and config.option.dist == "no":
        config.option.dist = "loadgroup"


@pytest.hookimpl(trylast=True)  # after nbval's own
def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker parses the bare command line again:
        config.option.loadgroup = True  # it names its tests by group, as the controller expects
    notebook_runs.configure(config)


def pytest_collection_modifyitems(items):
    notebook_runs.plan(items)  # which notebooks this session runs, to start them side by side


def pytest_sessionfinish(session):
    notebook_runs.shutdown()
