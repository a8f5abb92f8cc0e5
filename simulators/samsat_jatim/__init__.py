"""East Java SAMSAT simulator (Bapenda Jatim): JSON REST, snake_case, success envelope."""
