TIER_test-digest := storage
