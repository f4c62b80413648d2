TIER_test-idmap := userns
