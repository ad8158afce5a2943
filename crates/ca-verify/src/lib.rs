//! X.509 certificate path validation.
