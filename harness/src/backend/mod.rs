//! Where nodes run besides this process: child processes, containers, or someone else's
//! network; and the records that let `harness clean` remove what a killed run left.

pub mod registry;
