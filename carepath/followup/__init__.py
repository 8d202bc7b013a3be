"""Follow-up after reintegration: the caseload of an office and a case's timeline (the visits
themselves are read with the case, in ``carepath.cases.visits``)."""
