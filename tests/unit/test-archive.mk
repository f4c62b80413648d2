TIER_test-archive := storage
