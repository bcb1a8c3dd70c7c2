"""Entry point kept for `python -m utils.release` and `from utils.release import ...`.

The code lives in `utils.course.release` (the course's tooling, apart from the lesson helpers).
"""

import sys

from utils.course import release as _impl

if __name__ == "__main__":
    sys.exit(_impl.main())
sys.modules[__name__] = _impl
