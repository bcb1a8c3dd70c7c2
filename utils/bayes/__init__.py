"""A fully known joint distribution of (X, Y), its Bayes rule and Bayes risk (notebooks 01–02, 07).

- `utils.bayes.gaussian`: `GaussianClasses`, classes with Gaussian class-conditional densities
- `utils.bayes.risk`: `RiskEstimate` (a risk with its standard error) and `paired_difference`

Everything is importable from here as well (``from utils.bayes import GaussianClasses``).
"""

from utils.bayes.gaussian import GaussianClasses
from utils.bayes.risk import RiskEstimate, paired_difference
from utils.env import as_generator

__all__ = ["GaussianClasses", "RiskEstimate", "as_generator", "paired_difference"]
