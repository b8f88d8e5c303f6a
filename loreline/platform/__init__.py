"""The local platform: starting, stopping and reporting every component `loreline up` runs."""
