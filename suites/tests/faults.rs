//! Placeholder until the fault tests land.
