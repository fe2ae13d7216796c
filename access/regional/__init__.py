"""City clusters without a street network: places joined by an approximate road model and rail."""
