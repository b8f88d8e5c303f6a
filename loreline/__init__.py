"""loreline package."""
