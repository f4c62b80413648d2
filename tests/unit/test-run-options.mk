TIER_test-run-options := core
