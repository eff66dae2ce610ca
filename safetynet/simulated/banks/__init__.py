"""The simulated banks: answer the bureau's payment files with result files (docs/bank-files.md)."""
