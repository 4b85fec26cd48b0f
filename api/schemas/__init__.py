"""Public request and response shapes of the HTTP API, one module per concept."""
