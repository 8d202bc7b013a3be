"""Optional evaluation backends: other engines run on the same rule sets, each checked against the core."""
