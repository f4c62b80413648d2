TIER_test-spec-gen := core
