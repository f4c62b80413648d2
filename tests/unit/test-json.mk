TIER_test-json := basic
