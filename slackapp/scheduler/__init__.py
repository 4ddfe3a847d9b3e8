"""The bot's clock: timed work lives as rows in the store; APScheduler only wakes us up."""
