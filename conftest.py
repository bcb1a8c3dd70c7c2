"""Settings for every pytest run, including `python -m pytest notebooks/NN_x.ipynb` alone."""

import os

# The notebook test: each notebook runs once per session (tests/notebook_runs.py), and the
# sliders' test and the readers' edition reuse the run; it replaces nbval's collection.
from tests.notebook_runs import pytest_collect_file, pytest_configure  # noqa: F401

# The graded lab's expectations (`utils.checks.lab.expect`) only print in students' runs; in
# the course's own runs they fail, so that a complete edition whose story broke is caught.
# The notebooks' kernels inherit this environment.
os.environ.setdefault("DLB_STRICT", "1")
