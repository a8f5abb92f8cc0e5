"""Who may call the gateway, for whom, and how often."""
