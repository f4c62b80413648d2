TIER_test-net-portspec := core
