"""PyInstaller entry script of the windowed app ("Canvas Export Manager").

PyInstaller needs a script file per executable; this one only hands over to the package's
GUI entry point, the same function `uv run canvas-export-manager` runs.
"""

from desktop_app.ui.app import main

raise SystemExit(main())
