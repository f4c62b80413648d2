TIER_test-seccomp := runtime
