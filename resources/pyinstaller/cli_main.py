"""PyInstaller entry script of the console command line ("canvas-exports").

Same function as the `canvas-exports` console script of the Python package.
"""

from desktop_app.cli import main

raise SystemExit(main())
