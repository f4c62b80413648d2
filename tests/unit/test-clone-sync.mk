TIER_test-clone-sync := userns
