TIER_test-monitor := core
