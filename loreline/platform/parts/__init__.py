"""One module per part of the local stack, in start order."""
