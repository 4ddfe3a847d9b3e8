"""The club itself: workspace settings, officers, help."""
