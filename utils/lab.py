"""Entry point kept for `python -m utils.lab check|key|merge` and `from utils import lab`.

The submission checker lives in `utils.course.checker` (see it for the commands).
"""

import sys

from utils.course import checker as _impl

if __name__ == "__main__":
    sys.exit(_impl.main())
sys.modules[__name__] = _impl
