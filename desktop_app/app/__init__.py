"""The application layer: what a user can do, for every front end (the window, the CLI).

Qt-free. `services` is what lives on the engine's loop (clients, engine, store),
`usecases` the coroutines the front ends run there (load contexts, history and tree
branches; start, re-export, download, stop, resume, retry), and `jobs` the one
`JobTracker` every view observes: the single source of truth for a job's state in a
front end, fed by the engine's events and the job store.
"""
