"""Term-end bulk export: many courses exported, verified and reported as one batch.

Qt-free. A batch is a list of courses in the job store (`store.py`); each course is
exported by one ordinary job of the engine, linked to its row in the same transaction
that records the job, so a batch survives quitting and `kill -9` and resuming never
creates a second export for a course. `runner.py` decides what starts when (at most N
exports at Canvas, skip what was saved recently, keep the newest K packages);
`report.py` writes `report.csv` and `SHA256SUMS`; `layout.py` names the folders;
`csvinput.py` reads a CSV of course ids; `sources.py` turns My courses, an account or
a CSV into the batch's courses.
"""
