"""A price per operation (2025, 2026): each region is paid a price for every operation above its own
earlier years, up to a cap; money no region earns lapses or goes to the regions that operate the most."""
