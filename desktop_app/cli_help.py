"""What each `canvas-exports` command says about itself, in one table.

A command has a line in the command list (`canvas-exports --help`) and a paragraph at
the top of its own help page (`canvas-exports resume --help`). Where the line says
enough, the page reuses it as a sentence; otherwise the table holds a paragraph too.
Both front ends of the parser (`cli.py`, `cli_batch.py`) add their commands through
`add_command`, so no text is written twice.
"""

from __future__ import annotations

import argparse
from typing import Any, NamedTuple


class CommandText(NamedTuple):
    line: str | None
    """The line in the command list; None keeps the command out of it (hidden)."""
    paragraph: str | None = None
    """The help page's description; None: the line, as a sentence."""


COMMANDS: dict[str, CommandText] = {
    "list": CommandText(
        "the context's exports, newest first",
        "List a course's, group's or user's exports at Canvas, newest first, printed as the pages of "
        "Canvas's list arrive: id, type, state, when it was created, and its package with size and expiry.",
    ),
    "show": CommandText(
        "one export",
        "Show one export at Canvas: its type, state, when it was created and its package (name, size, "
        "expiry). Download addresses are never printed.",
    ),
    "create": CommandText(
        "start an export (and optionally wait and save it)",
        "Start an export of a course, group or user at Canvas. The type and the selection are checked "
        "before any request. Without --wait or --download it prints the new export's id and returns; "
        "--wait waits until Canvas has finished it; --download DIR also saves and verifies the package "
        "in DIR and prints its path last.",
    ),
    "download": CommandText(
        "save an existing export's package",
        "Save the package of an existing export (started here, in Canvas's web pages or by someone else) "
        "into DIR, verified, and print its path last.",
    ),
    "reexport": CommandText(
        "the same export again: its type, and the selection this app recorded for it",
        "Start the same export again: its type, and the selection recorded by the job of this app that "
        "created it. Canvas does not say what an export started elsewhere contained: --everything "
        "exports the whole context instead.",
    ),
    "retry": CommandText(
        "a job again: carry it on, or a new export if Canvas's failed",
        "Try a job again. An interrupted or stopped job, or one whose download was damaged, carries on "
        "where it stood (the same job); when Canvas's export itself failed or expired, a new export of "
        "the same type and selection starts.",
    ),
    "resume": CommandText(
        "carry on unfinished jobs: the site's named, or every site's",
        "Carry on the unfinished single exports that no other process is working on, from where they "
        "stood (polling Canvas, or downloading from where the .part ends), never creating a second "
        "export. With a site named (--base-url, $CANVAS_BASE_URL or --profile), only that site's jobs, "
        "and a line says how many of other sites were left alone; with none, every site's (for cron). "
        "Bulk exports carry on with `batch resume`.",
    ),
    "forget": CommandText(
        "take jobs off the local job list (files and Canvas untouched)",
        "Take jobs off the local job list (the job store): they no longer appear in `jobs`, in the app's "
        "lists or in the history, and `resume` never carries them on. Nothing else changes: a saved "
        "package or a .part stays on disk, the export stays at Canvas. A job another process is working "
        "on, and a job of a bulk export, stay on the list (exit 2, one line each).",
    ),
    "jobs": CommandText(
        "your jobs on this Canvas site (the local job list)",
        "List your jobs on this Canvas site from the local job list (the job store), oldest first: "
        "number, state, context, type, export, and the saved file or the error. --all-users lists every "
        "job in the store, of every site and user.",
    ),
    "keyring-check": CommandText(
        None,
        "Store, read back and delete a secret in the system keyring: the frozen build's smoke test.",
    ),
    "inspect": CommandText(
        "what a saved package holds and, for this app's jobs, whether the selection landed",
        "Offline, without a token: what a saved package (.imscc, QTI zip or files zip) holds, every "
        "entry's checksum checked, and for a package this app saved, whether it holds what its job "
        "selected. Exit 0 when it is sound and complete, 1 when not.",
    ),
    "demo-server": CommandText(
        "run a simulated Canvas on this computer",
        "Run a simulated Canvas on this computer (loopback only) and print its address and the demo "
        "users' tokens, to try the app and the command line without a real Canvas. Ctrl+C stops it.",
    ),
    "batch": CommandText(
        "export many courses: a term, an account, a CSV",
        "Bulk export: many courses at once (yours, an account's or a CSV's), each exported by a job of "
        "its own, verified and saved into one folder with report.csv and SHA256SUMS.",
    ),
    "batch start": CommandText(
        "start a batch (prints its id, or waits with --wait)",
        "Start a batch of courses. Without --wait a detached worker process runs it and its id is "
        "printed; with --wait it runs here, one line per course on stderr, and prints report.csv's "
        "path last.",
    ),
    "batch list": CommandText("your batches on this Canvas site, newest first"),
    "batch show": CommandText("one batch, one line per course"),
    "batch resume": CommandText(
        "carry on a paused or unfinished batch",
        "Carry on a paused or unfinished batch where it stood, without a second export for any course.",
    ),
    "batch retry": CommandText(
        "the failed courses of a batch again",
        "Export the failed courses of a batch again: a new export where Canvas's failed or expired, the "
        "same export carried on otherwise.",
    ),
}


def sentence(line: str) -> str:
    """A command-list line as the first sentence of a help page."""
    return line[:1].upper() + line[1:] + "."


def add_command(sub: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add the command `name` ("resume", "batch start") to the subparsers `sub`, with its
    line and paragraph from `COMMANDS`; `kwargs` go to `add_parser` (parents, ...)."""
    text = COMMANDS[name]
    if text.line is not None:
        kwargs["help"] = text.line
    description = text.paragraph or sentence(text.line or name)
    parser: argparse.ArgumentParser = sub.add_parser(name.split()[-1], description=description, **kwargs)
    return parser
