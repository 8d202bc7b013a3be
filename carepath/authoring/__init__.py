"""The policy author's tools: YAML tests, invariants, lint, reach, synthetic populations, the diff
of two rule sets over a population (also columnar), property strategies and validation."""
