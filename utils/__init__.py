"""Helpers shared by the notebooks of *Deep Learning Basics*.

Small modules by topic, each importable on its own:

- `utils.env`: device choice and seeding
- `utils.graphs`: computational graphs (torchviz), with a text fallback without Graphviz
- `utils.data`: synthetic datasets, digits (MNIST or scikit-learn's 8×8), device-resident batches
- `utils.losses`: the lecture's loss functions
- `utils.bayes`: a class-conditional Gaussian model with its Bayes rule and Bayes risk
- `utils.lab_tools`: the graded lab's own tools (each team's distribution, the best line)
- `utils.models`: perceptron, logistic regression, feed-forward networks
- `utils.train`: the training loop (`fit`, `evaluate`)
- `utils.plots`: decision regions, activations, learning curves, confusion matrices, images
- `utils.checks`: the exercises' self-checks
- `utils.handin`: handing in the graded lab (the grader's check from Colab, the figures' zip)
- `utils.course`: the course's tooling (notebook format, student edition, submission checker),
  run as `python -m utils.notebooks`, `python -m utils.release`, `python -m utils.lab`

Importing `utils` has no side effects: no seeding, no plotting style, no download, and no torch
until a helper that needs it is used (`utils.get_device()` loads `utils.env`), so that the
course's tooling (`import utils.course…`) starts without torch.
"""

__all__ = ["choose_device", "data_dir", "get_device", "repo_root", "seed_everything"]


def __getattr__(name: str):
    if name in __all__:
        from utils import env

        return getattr(env, name)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
