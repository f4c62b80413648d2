TIER_test-monitor-queue := core
