"""Search benchmark of the storyteller API: `python -m bench.api` (see __main__.py)."""
