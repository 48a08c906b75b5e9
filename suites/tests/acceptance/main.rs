//! The acceptance suites, one module per fork and one submodule per feature, so that
//! `-E 'test(/^isthmus::eip7702::/)'` selects one feature. Each test gets a fresh network in
//! the mode its nextest profile names (or the network the environment points at).

mod bedrock;
mod canyon;
mod contracts_v5_0_0;
mod ecotone;
mod fjord;
mod granite;
mod holocene;
mod isthmus;
mod jovian;
mod karst;
mod lagoon;
mod regolith;
