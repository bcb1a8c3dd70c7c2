"""Shared test settings: headless matplotlib, and the repository root importable."""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Tests never use the network: the digits notebook and loader take scikit-learn's 8×8 digits
# at once instead of probing the MNIST mirror (the kernels nbval starts inherit this).
os.environ.setdefault("DLB_DIGITS", "sklearn")
