"""Allocation of a block's money: a readable reference and a numba kernel that must agree."""
