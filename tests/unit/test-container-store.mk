TIER_test-container-store := storage
