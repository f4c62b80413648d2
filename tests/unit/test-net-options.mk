TIER_test-net-options := core
