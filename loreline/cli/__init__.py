"""The `loreline` command: the one entry point to run, inspect and feed the engine."""
