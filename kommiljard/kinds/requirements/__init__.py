"""Several performance requirements with a bonus pot (2022-2024): per requirement and month, each
region's part of the money by the sharing key, earned by improving on a year earlier (partly, on a
staircase) or by a high level of fulfilment; what is not earned goes to the bonus pot, shared like
the earned money. Arrays, reference, kernel, explanation and figure."""
