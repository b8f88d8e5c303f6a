"""The one query module of the API. Every function that touches per-world rows takes a
`WorldScope` and puts `scope.world_id` into its SQL itself; handlers never write SQL."""
