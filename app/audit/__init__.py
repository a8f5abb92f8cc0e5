"""The tamper-evident audit trail of personal-data use."""
