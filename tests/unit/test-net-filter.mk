TIER_test-net-filter := core
