TIER_test-net-sandbox := core
