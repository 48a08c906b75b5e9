//! Isthmus: the upgrade, EIP-7702, BLS precompiles, EIP-2935, EIP-7623, headers, operator fee.

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Isthmus);
}
