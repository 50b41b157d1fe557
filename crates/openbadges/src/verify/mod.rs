//! Verification: the pipeline that checks a badge of any format, and the report it produces.

/// How the verifier reaches the network: callers implement it (the application with its guarded
/// HTTP client, tests with canned documents).
pub trait Fetch {}
