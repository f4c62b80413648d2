TIER_test-rootfs := storage
