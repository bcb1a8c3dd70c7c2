"""The readers' edition: ``python -m utils.site build --out DIR`` (see `utils.course.site`)."""

import sys

from utils.course.site import main

if __name__ == "__main__":
    sys.exit(main())
