"""Follow-up after reintegration: visits and their measures, and the caseload of an office."""
