TIER_test-hooks := runtime
