//! Placeholder until the combined suite lands.
