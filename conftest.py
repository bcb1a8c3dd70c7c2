"""Settings for every pytest run, including `python -m pytest notebooks/NN_x.ipynb` alone."""

import os

# The graded lab's expectations (`utils.checks.lab.expect`) only print in students' runs; in
# the course's own runs they fail, so that a complete edition whose story broke is caught.
# The kernels nbval starts inherit this environment.
os.environ.setdefault("DLB_STRICT", "1")
