"""Capacity benchmarks run from the command line (``agent-console bench …``) against a
database of their own: many seats at once, and a centre's years of history."""
