"""Training and measuring a model.

- `utils.train.loop`: `training_step` (the five lines of every PyTorch training loop) and `fit`,
  which runs it over epochs: an epoch, a measurement, a stop rule
- `utils.train.evaluation`: `evaluate`, `predict`, `count_correct`, `confusion_matrix`
- `utils.train.history`: `History`, what `fit` measured

Everything is importable from here as well (``from utils.train import fit``).
"""

from utils.train.evaluation import confusion_matrix, count_correct, evaluate, predict
from utils.train.history import History
from utils.train.loop import fit, training_step

__all__ = [
    "History",
    "confusion_matrix",
    "count_correct",
    "evaluate",
    "fit",
    "predict",
    "training_step",
]
