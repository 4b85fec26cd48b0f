"""One router module per concept; ``hubdesk.api.main`` includes them all."""
