TIER_test-holder := userns
