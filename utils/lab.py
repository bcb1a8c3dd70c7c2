"""Entry point kept for `python -m utils.lab …` and `from utils import lab`.

The submission checker lives in `utils.course` (see `utils.course.lab` for the commands).
"""

import sys

from utils.course import lab as _impl

if __name__ == "__main__":
    sys.exit(_impl.main())
sys.modules[__name__] = _impl
