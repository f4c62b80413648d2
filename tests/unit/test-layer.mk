TIER_test-layer := storage
