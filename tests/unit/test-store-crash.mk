TIER_test-store-crash := storage
