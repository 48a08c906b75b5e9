//! The resolved fork schedule: for every fork, the seconds after genesis at which it activates.

use serde::{Serialize, Serializer, ser::SerializeMap};

use crate::forks::Fork;

/// When each fork activates, as seconds after genesis; `None` means never.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ForkSchedule {
    offsets: [Option<u64>; Fork::ALL.len()],
}

impl ForkSchedule {
    fn index(fork: Fork) -> usize {
        fork as usize
    }

    pub(crate) fn set(&mut self, fork: Fork, offset: Option<u64>) {
        self.offsets[Self::index(fork)] = offset;
    }

    /// Seconds after genesis at which `fork` activates.
    pub fn offset(&self, fork: Fork) -> Option<u64> {
        self.offsets[Self::index(fork)]
    }

    /// Absolute activation time for a chain whose genesis is at `genesis_time`.
    pub fn time(&self, fork: Fork, genesis_time: u64) -> Option<u64> {
        self.offset(fork).map(|o| genesis_time + o)
    }

    /// Whether `fork` is active at `offset` seconds after genesis.
    pub fn is_active(&self, fork: Fork, offset: u64) -> bool {
        self.offset(fork).is_some_and(|o| o <= offset)
    }

    /// Every scheduled fork with its offset, in fork order.
    pub fn scheduled(&self) -> impl Iterator<Item = (Fork, u64)> + '_ {
        Fork::ALL.into_iter().filter_map(|f| self.offset(f).map(|o| (f, o)))
    }

    /// The newest fork active at genesis.
    pub fn genesis_fork(&self) -> Fork {
        self.scheduled().filter(|(_, o)| *o == 0).map(|(f, _)| f).last().unwrap_or(Fork::Bedrock)
    }

    /// Forks that activate after genesis, in order.
    pub fn live_forks(&self) -> impl Iterator<Item = (Fork, u64)> + '_ {
        self.scheduled().filter(|(_, o)| *o > 0)
    }

    /// The newest fork active at `offset` seconds after genesis.
    pub fn active_fork(&self, offset: u64) -> Fork {
        self.scheduled().filter(|(_, o)| *o <= offset).map(|(f, _)| f).last().unwrap_or(Fork::Bedrock)
    }

    /// The block number at which `fork` activates on a chain with `block_time`: the first block
    /// whose timestamp reaches the activation time.
    pub fn activation_block(&self, fork: Fork, block_time: u64) -> Option<u64> {
        self.offset(fork).map(|o| o.div_ceil(block_time))
    }
}

impl Serialize for ForkSchedule {
    /// Serialises as `{ "canyon": 0, "isthmus": 8, ... }`, scheduled forks only.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (fork, offset) in self.scheduled() {
            map.serialize_entry(fork.name(), &offset)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_block_is_the_first_at_or_after_the_time() {
        let mut schedule = ForkSchedule::default();
        schedule.set(Fork::Isthmus, Some(7));
        assert_eq!(schedule.activation_block(Fork::Isthmus, 2), Some(4));
        schedule.set(Fork::Isthmus, Some(8));
        assert_eq!(schedule.activation_block(Fork::Isthmus, 2), Some(4));
        assert!(!schedule.is_active(Fork::Isthmus, 7));
        assert!(schedule.is_active(Fork::Isthmus, 8));
        assert_eq!(schedule.activation_block(Fork::Jovian, 2), None);
    }
}
