TIER_test-store-concurrency := storage
