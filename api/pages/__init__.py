"""Server-rendered HTML pages (login, coordinator statistics): no CDN, no build step, no JavaScript needed."""
