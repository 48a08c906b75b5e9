//! Ecotone: the upgrade itself, L1-attributes, beacon roots, Cancun opcodes, blobs, fees.

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Ecotone);
}
