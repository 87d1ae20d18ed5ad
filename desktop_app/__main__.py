"""`python -m desktop_app` runs the command line (`canvas-exports`)."""

import sys

from desktop_app.cli import main

sys.exit(main())
