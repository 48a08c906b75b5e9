//! Fjord: the upgrade, P256VERIFY, the FastLZ L1 fee and its upper bound.

mod activation {
    op_suites::boundary_suite!(harness::forks::Fork::Fjord);
}
