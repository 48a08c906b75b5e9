//! The combined suite: every feature of the upgrade on one shared network at once. nextest
//! runs these tests in parallel; the `shared-network` setup script starts one network and
//! points every test at it through `HARNESS_L2_RPC`. The feature modules are the acceptance
//! suite's own, compiled again, so a feature is judged by the same checks alone and combined.

#[path = "../acceptance/ecotone.rs"]
mod ecotone;
#[path = "../acceptance/fjord.rs"]
mod fjord;
#[path = "../acceptance/isthmus.rs"]
mod isthmus;

mod infra;
