"""Business logic: plain functions that never touch the HTTP request."""
