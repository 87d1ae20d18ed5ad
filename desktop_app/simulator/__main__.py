"""`python -m desktop_app.simulator [--port N] [--host H] [--courses N] [--export-duration S]`: the demo Canvas in the foreground."""

from __future__ import annotations

import argparse

from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=None, help="Canvas host port (default: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--export-duration", type=float, default=8.0, help="seconds an export takes")
    parser.add_argument("--courses", type=int, default=0, help="generated courses for bulk exports (default: 0)")
    args = parser.parse_args(argv)
    serve(args.port, args.host, export_duration=args.export_duration, bulk_courses=args.courses)


if __name__ == "__main__":
    main()
