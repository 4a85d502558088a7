"""``python -m hatangso.cli``: the same as the ``hatangso`` command."""

import sys

from hatangso.cli import main

sys.exit(main())
