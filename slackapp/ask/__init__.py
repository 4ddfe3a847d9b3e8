"""The help queue: members ask for a resume review, a mock interview or career advice; helpers claim it."""
