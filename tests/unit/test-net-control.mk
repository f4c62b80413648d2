TIER_test-net-control := core
