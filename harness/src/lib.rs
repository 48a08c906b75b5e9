//! An acceptance-test harness for OP Stack upgrade networks.
//!
//! Data flows one way: a [`spec::NetworkSpec`] names the network; the network is brought up and
//! its forks applied; the suites run against it; their results become per-feature stability
//! verdicts and reports. The [`forks`] catalog is the shared vocabulary of every step.

pub mod backend;
pub mod config;
pub mod contracts;
pub mod derive;
pub mod devnet;
pub mod forks;
pub mod fsx;
pub mod genesis;
pub mod history;
pub mod junit;
pub mod node;
pub mod report;
pub mod spec;
pub mod train;
pub mod verdict;
