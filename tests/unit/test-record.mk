TIER_test-record := storage
