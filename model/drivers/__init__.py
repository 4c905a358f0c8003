"""What drives a budget metric: global sensitivity (Sobol indices) of its mean to each uncertain parameter, and
one-at-a-time swings of its mean and P95 (`hpa drivers`)."""
