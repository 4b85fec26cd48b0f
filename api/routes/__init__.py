"""One router module per concept; ``api.main`` includes them all."""
