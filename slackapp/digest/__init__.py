"""The weekly digest posted to the leads channel."""
