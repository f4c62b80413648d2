TIER_test-image-store := storage
