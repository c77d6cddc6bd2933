"""Rules stage: the policy, risk areas, verdicts and code sharing."""
