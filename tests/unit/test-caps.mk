TIER_test-caps := runtime
