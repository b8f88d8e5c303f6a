"""Dagster wiring: `pipelines.definitions.defs`, jobs, schedule, sensor, the instance and the
processes `loreline up` starts (`pipelines.runtime.start_dagster`)."""
