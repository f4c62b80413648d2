TIER_test-store := storage
