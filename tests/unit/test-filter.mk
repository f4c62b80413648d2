TIER_test-filter := storage
