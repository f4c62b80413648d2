TIER_test-oci-config := runtime
