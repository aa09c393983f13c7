//! Tools over HTTP: the signed webhook request, retries for reads, and clear errors for bad
//! replies.
