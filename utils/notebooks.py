"""Entry point kept for `python -m utils.notebooks` and `from utils.notebooks import ...`.

The code lives in `utils.course.notebooks` (the course's tooling, apart from the lesson helpers).
"""

import sys

from utils.course import notebooks as _impl

if __name__ == "__main__":
    sys.exit(_impl.main())
sys.modules[__name__] = _impl
