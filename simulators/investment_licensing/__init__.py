"""OSS-like investment licensing simulator (snake_case, epoch millis, paged lists)."""
