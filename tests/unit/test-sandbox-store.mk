TIER_test-sandbox-store := storage
