"""Reading a saved package offline: Common Cartridge (.imscc), QTI zip or files zip.

Qt-free, like canvas/ and engine/: the command line's `inspect` and the desktop app's
package viewer share it.

- `reader.py`: the zip, opened lazily (central directory only) through engine/zipcheck.py,
  every read bounded and checked against its CRC;
- `cartridge.py`: imsmanifest.xml (parsed with defusedxml) as a typed model of kinds,
  modules in their order and a folder tree of files;
- `render.py`: an item as safe, self-contained HTML (no scripts, nothing from outside);
- `qti.py`: a quiz's questions and answers;
- `search.py`: an index of titles and text, filled in the background;
- `selection_check.py`: a job's recorded selection against what the package holds;
- `extract.py`: items to a folder, never outside it.
"""
