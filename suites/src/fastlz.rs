//! FastLZ compressed length, computed here rather than taken from the node's own EVM crate, so
//! that the Fjord fee checks compare the node against an independent implementation.
//!
//! This is the length counter of Solady's `LibZip.flzCompress` (FastLZ level 1, 8 KiB window)
//! that the GasPriceOracle runs on-chain and op-geth ports as `FlzCompressLen`: it walks the
//! input exactly as the compressor does but only adds up the bytes it would emit.

/// Hash-table slots: 13 bits of the hashed 3-byte sequence.
const TABLE: usize = 1 << 13;
/// How far back a match may start.
const WINDOW: u32 = 1 << 13;

/// Length of `data` after FastLZ compression.
pub fn compressed_len(data: &[u8]) -> u64 {
    Counter { data, table: vec![0; TABLE], size: 0 }.run()
}

struct Counter<'a> {
    data: &'a [u8],
    /// Last position seen for each hashed 3-byte sequence.
    table: Vec<u32>,
    size: u64,
}

impl Counter<'_> {
    fn run(mut self) -> u64 {
        let len = u32::try_from(self.data.len()).expect("calldata under 4 GiB");
        // The compressor never starts a match in the last 13 bytes.
        let limit = len.saturating_sub(13);
        let mut anchor = 0;
        let mut pos = 2;
        while pos < limit {
            let Some((at, reference)) = self.next_match(pos, limit) else { break };
            if at > anchor {
                self.literals(at - anchor);
            }
            let length = self.match_len(reference + 3, at + 3, limit + 9);
            self.matched(length);
            pos = self.remember(at + length);
            pos = self.remember(pos);
            anchor = pos;
        }
        self.literals(len - anchor);
        self.size
    }

    /// The next position from `pos` whose 3 bytes repeat within the window, and where the
    /// earlier occurrence is; `None` when the scan reaches `limit` first (a match at the last
    /// position before `limit` is not taken either).
    fn next_match(&mut self, mut pos: u32, limit: u32) -> Option<(u32, u32)> {
        loop {
            let sequence = self.u24(pos);
            let slot = hash(sequence);
            let reference = self.table[slot];
            self.table[slot] = pos;
            if pos + 1 >= limit {
                return None;
            }
            if pos - reference < WINDOW && sequence == self.u24(reference) {
                return Some((pos, reference));
            }
            pos += 1;
        }
    }

    /// Bytes that match from `earlier` and `at`, counting the first mismatch, up to `end`.
    fn match_len(&self, earlier: u32, at: u32, end: u32) -> u32 {
        let data = self.data;
        let max = end - at;
        (0..max)
            .position(|i| data[(earlier + i) as usize] != data[(at + i) as usize])
            .map_or(max, |i| i as u32 + 1)
    }

    /// Literal runs: up to 32 bytes each, one control byte per run.
    fn literals(&mut self, count: u32) {
        let count = u64::from(count);
        self.size += 33 * (count / 32);
        if count % 32 != 0 {
            self.size += count % 32 + 1;
        }
    }

    /// A match of `length`: 2 or 3 bytes, plus 3 per 262 bytes of length.
    fn matched(&mut self, length: u32) {
        let length = u64::from(length - 1);
        self.size += 3 * (length / 262) + if length % 262 >= 6 { 3 } else { 2 };
    }

    fn remember(&mut self, pos: u32) -> u32 {
        let slot = hash(self.u24(pos));
        self.table[slot] = pos;
        pos + 1
    }

    fn u24(&self, pos: u32) -> u32 {
        let pos = pos as usize;
        u32::from_le_bytes([self.data[pos], self.data[pos + 1], self.data[pos + 2], 0])
    }
}

fn hash(sequence: u32) -> usize {
    (sequence.wrapping_mul(2_654_435_769) >> 19) as usize & (TABLE - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{hex, keccak256};

    /// Inverts op-revm's `max(100e6, 836_500 * len - 42_585_600)` for inputs above the floor.
    fn op_revm_len(data: &[u8]) -> u64 {
        (op_revm::estimate_tx_compressed_size(data) + 42_585_600) / 836_500
    }

    #[test]
    fn known_lengths() {
        assert_eq!(compressed_len(&[]), 0);
        assert_eq!(compressed_len(&[0; 1000]), 21);
        assert_eq!(compressed_len(&[42; 1000]), 21);
        assert_eq!(compressed_len(&hex!("FACADE")), 4);
    }

    #[test]
    fn agrees_with_op_revm_on_mixed_data() {
        let noise: Vec<u8> = (0u32..64).flat_map(|i| keccak256(i.to_be_bytes()).0).collect();
        let repetitive: Vec<u8> = noise.iter().take(300).cycle().take(3000).copied().collect();
        let sparse: Vec<u8> = noise.iter().enumerate().map(|(i, b)| if i % 3 == 0 { 0 } else { *b }).collect();
        for data in [noise, repetitive, sparse] {
            assert!(compressed_len(&data) > 171, "inputs must sit above the fee floor to compare");
            assert_eq!(compressed_len(&data), op_revm_len(&data));
        }
    }
}
