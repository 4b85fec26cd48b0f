"""The FastAPI app: admin API, webhooks, health, and the pages volunteers and coordinators use."""
