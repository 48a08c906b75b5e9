//! The combined suite: every feature of the upgrade on one shared network at once. nextest
//! runs these tests in parallel; the `shared-network` setup script starts one network and
//! points every test at it through `HARNESS_L2_RPC`. The feature modules are the acceptance
//! suite's own, compiled again, so a feature is judged by the same checks alone and combined.

#[path = "../acceptance/bedrock.rs"]
mod bedrock;
#[path = "../acceptance/canyon.rs"]
mod canyon;
#[path = "../acceptance/ecotone.rs"]
mod ecotone;
#[path = "../acceptance/fjord.rs"]
mod fjord;
#[path = "../acceptance/granite.rs"]
mod granite;
#[path = "../acceptance/holocene.rs"]
mod holocene;
#[path = "../acceptance/isthmus.rs"]
mod isthmus;
#[path = "../acceptance/jovian.rs"]
mod jovian;
#[path = "../acceptance/karst.rs"]
mod karst;
#[path = "../acceptance/lagoon.rs"]
mod lagoon;
#[path = "../acceptance/regolith.rs"]
mod regolith;

mod cross;
mod infra;
