//! What the L1 mines besides its pool: a live L1 upgrade's owner transactions in the scheduled
//! block, and the canary deposits in that block and the blocks on each side of it.

use std::fmt;

use alloy::signers::local::PrivateKeySigner;

use crate::contracts::upgrade::{Call, UpgradePlan, canary_deposit, canary_signer};

/// A deliberately broken L1 upgrade, for proving that the L1 boundary suite catches one (the
/// fault matrix, and the tests that check it names the transaction). Test-only in spirit, like
/// the L2 node's `Fault`: chosen only through `DevnetOptions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L1Fault {
    /// The upgrade transaction at this index is never mined: an upgrade bundle missing one of the
    /// owner's transactions.
    Drop(usize),
    /// These two upgrade transactions are mined in each other's place: a bundle whose
    /// transactions were put in the wrong order.
    Swap(usize, usize),
}

impl L1Fault {
    /// One line for the matrix: what the broken upgrade does.
    pub fn description(&self) -> String {
        match *self {
            Self::Drop(index) => format!("mines the L1 upgrade without its owner transaction {index}"),
            Self::Swap(a, b) => format!("mines the L1 upgrade's owner transactions {a} and {b} in each other's place"),
        }
    }
}

/// A short stable name, used in test output and the matrix; `l1-` keeps it apart from the L2
/// node's faults: `l1-drop-upgrade-tx(2)`.
impl fmt::Display for L1Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Drop(index) => write!(f, "l1-drop-upgrade-tx({index})"),
            Self::Swap(a, b) => write!(f, "l1-swap-upgrade-txs({a}, {b})"),
        }
    }
}

/// A scheduled L1 upgrade, as the L1 mines it.
#[derive(Clone, Debug)]
pub struct L1Schedule {
    plan: UpgradePlan,
    fault: Option<L1Fault>,
}

impl L1Schedule {
    pub fn new(plan: UpgradePlan, fault: Option<L1Fault>) -> Self {
        Self { plan, fault }
    }

    /// The blocks the suites compare across the boundary, kept whole for the chain's life.
    pub fn boundary(&self) -> [u64; 3] {
        let block = self.plan.block;
        [block - 1, block, block + 1]
    }

    /// The calls block `number` must hold before the pool's transactions, in order, with the
    /// key each is signed with.
    pub fn calls(&self, number: u64) -> Vec<(Call, &PrivateKeySigner)> {
        if !self.boundary().contains(&number) {
            return Vec::new();
        }
        let upgrade = if number == self.plan.block { self.upgrade_calls() } else { Vec::new() };
        let canaries = self.plan.portals.iter().map(|portal| (canary_deposit(*portal), canary_signer()));
        upgrade.into_iter().chain(canaries).collect()
    }

    fn upgrade_calls(&self) -> Vec<(Call, &PrivateKeySigner)> {
        let mut calls: Vec<_> = self.plan.transactions.iter().map(|t| (t.tx.call(), &t.sender)).collect();
        match self.fault {
            Some(L1Fault::Drop(index)) if index < calls.len() => {
                calls.remove(index);
            }
            Some(L1Fault::Swap(a, b)) if a.max(b) < calls.len() => calls.swap(a, b),
            _ => {}
        }
        calls
    }
}
