TIER_test-subuid := userns
