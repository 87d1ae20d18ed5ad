"""Canvas Export Manager: a desktop app and command line for Canvas content exports."""

__version__ = "0.1.0"
