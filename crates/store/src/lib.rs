//! Call records.
