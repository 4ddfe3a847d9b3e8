"""App Home: each member's dashboard, and the officers' one, published with views.publish."""
