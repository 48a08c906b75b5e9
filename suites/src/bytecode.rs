//! Tiny EVM programs for the checks, assembled from opcodes: no compiler needed, and each
//! program shows exactly which instruction a check exercises.

use alloy::primitives::{Address, Bytes};

/// Opcodes the checks use.
pub mod op {
    pub const STOP: u8 = 0x00;
    pub const ADD: u8 = 0x01;
    pub const SUB: u8 = 0x03;
    pub const GT: u8 = 0x11;
    pub const EQ: u8 = 0x14;
    pub const CALLER: u8 = 0x33;
    pub const CALLVALUE: u8 = 0x34;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const CALLDATACOPY: u8 = 0x37;
    pub const CODECOPY: u8 = 0x39;
    pub const RETURNDATASIZE: u8 = 0x3d;
    pub const RETURNDATACOPY: u8 = 0x3e;
    pub const BLOBHASH: u8 = 0x49;
    pub const BLOBBASEFEE: u8 = 0x4a;
    pub const POP: u8 = 0x50;
    pub const MLOAD: u8 = 0x51;
    pub const MSTORE: u8 = 0x52;
    pub const SLOAD: u8 = 0x54;
    pub const SSTORE: u8 = 0x55;
    pub const JUMPI: u8 = 0x57;
    pub const GAS: u8 = 0x5a;
    pub const JUMPDEST: u8 = 0x5b;
    pub const TLOAD: u8 = 0x5c;
    pub const TSTORE: u8 = 0x5d;
    pub const MCOPY: u8 = 0x5e;
    pub const PUSH0: u8 = 0x5f;
    pub const PUSH1: u8 = 0x60;
    pub const PUSH2: u8 = 0x61;
    pub const PUSH3: u8 = 0x62;
    pub const PUSH20: u8 = 0x73;
    pub const PUSH32: u8 = 0x7f;
    pub const CLZ: u8 = 0x1e;
    pub const SWAP1: u8 = 0x90;
    pub const CREATE: u8 = 0xf0;
    pub const CALL: u8 = 0xf1;
    pub const STATICCALL: u8 = 0xfa;
    pub const RETURN: u8 = 0xf3;
    pub const REVERT: u8 = 0xfd;
}

/// Creation code that deploys `runtime` unchanged (works on every fork: no PUSH0).
pub fn creation(runtime: &[u8]) -> Bytes {
    let len = u16::try_from(runtime.len()).expect("runtime under 64 KiB");
    let [hi, lo] = len.to_be_bytes();
    // PUSH2 len, DUP1, PUSH1 <header len>, PUSH1 0, CODECOPY, PUSH1 0, RETURN
    let header = [op::PUSH2, hi, lo, 0x80, op::PUSH1, 14, op::PUSH1, 0, op::CODECOPY, op::PUSH1, 0, op::RETURN];
    let mut code = header.to_vec();
    // Pad the header to the 14 bytes the offset above names.
    code.resize(14, op::STOP);
    code.extend_from_slice(runtime);
    code.into()
}

/// Code that returns the 32-byte word left on top of the stack by `compute`.
pub fn returning_word(compute: &[u8]) -> Bytes {
    let mut code = compute.to_vec();
    code.extend_from_slice(&[op::PUSH1, 0, op::MSTORE, op::PUSH1, 32, op::PUSH1, 0, op::RETURN]);
    code.into()
}

/// Code that spins until at most `reserve` gas is left, then stops: as a transaction's initcode
/// it uses nearly all of the transaction's gas limit, to fill a block past its gas target.
pub fn burn_gas(reserve: u16) -> Bytes {
    let [hi, lo] = reserve.to_be_bytes();
    // 0: JUMPDEST; loop while GAS > reserve
    vec![op::JUMPDEST, op::PUSH2, hi, lo, op::GAS, op::GT, op::PUSH1, 0, op::JUMPI, op::STOP].into()
}

/// `PUSH3 value`: sizes over 64 KiB.
fn push3(value: u32) -> [u8; 4] {
    assert!(value < 1 << 24, "{value} does not fit in three bytes");
    let [_, a, b, c] = value.to_be_bytes();
    [op::PUSH3, a, b, c]
}

/// Leaves the success flag of a STATICCALL to `address` with `size` zero bytes as input.
pub fn staticcall_zeros(address: Address, size: u32) -> Vec<u8> {
    // STATICCALL(gas, address, argsOffset 0, argsSize, retOffset 0, retSize 0)
    let mut code = vec![op::PUSH1, 0, op::PUSH1, 0];
    code.extend(push3(size));
    code.extend([op::PUSH1, 0, op::PUSH20]);
    code.extend(address.as_slice());
    code.extend([op::GAS, op::STATICCALL]);
    code
}

/// Leaves the address CREATE returns for `size` zero bytes of initcode (zero if it failed).
pub fn create_zeros(size: u32) -> Vec<u8> {
    // CREATE(value 0, offset 0, size): zero bytes run as STOP and deploy empty code.
    let mut code = push3(size).to_vec();
    code.extend([op::PUSH1, 0, op::PUSH1, 0, op::CREATE]);
    code
}

/// Runtime code that stores its calldata word at slot 0 and returns the previous value.
pub const STORE_WORD: &[u8] = &[
    op::PUSH1, 0, op::SLOAD, // previous
    op::PUSH1, 0, op::CALLDATALOAD, op::PUSH1, 0, op::SSTORE,
    op::PUSH1, 0, op::MSTORE, op::PUSH1, 32, op::PUSH1, 0, op::RETURN,
];

/// Runtime code that STATICCALLs `target` with its own calldata and returns what `target`
/// returned: lets delegated (EIP-7702) code reach a precompile.
pub fn forwarding_staticcall(target: alloy::primitives::Address) -> Vec<u8> {
    let mut code = vec![
        op::CALLDATASIZE, op::PUSH1, 0, op::PUSH1, 0, op::CALLDATACOPY, // mem[0..] = calldata
        op::PUSH1, 0, op::PUSH1, 0, op::CALLDATASIZE, op::PUSH1, 0, // retSize, retOffset, argsSize, argsOffset
        op::PUSH20,
    ];
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[
        op::GAS, op::STATICCALL, op::POP,
        op::RETURNDATASIZE, op::PUSH1, 0, op::PUSH1, 0, op::RETURNDATACOPY, // mem[0..] = returndata
        op::RETURNDATASIZE, op::PUSH1, 0, op::RETURN,
    ]);
    code
}

/// Leaves the success flag of a STATICCALL to `address` with `input`, given exactly `gas`: a
/// precompile that costs more than `gas` fails the call, one that costs at most `gas` succeeds.
pub fn staticcall_with_gas(address: Address, gas: u32, input: &[u8]) -> Vec<u8> {
    let mut code = Vec::new();
    for (index, chunk) in input.chunks(32).enumerate() {
        let mut word = [0u8; 32];
        word[..chunk.len()].copy_from_slice(chunk);
        code.push(op::PUSH32);
        code.extend_from_slice(&word);
        code.extend(push3(u32::try_from(index * 32).expect("small input")));
        code.push(op::MSTORE);
    }
    // STATICCALL(gas, address, argsOffset 0, argsSize, retOffset 0, retSize 0)
    code.extend([op::PUSH1, 0, op::PUSH1, 0]);
    code.extend(push3(u32::try_from(input.len()).expect("small input")));
    code.extend([op::PUSH1, 0, op::PUSH20]);
    code.extend(address.as_slice());
    code.extend(push3(gas));
    code.push(op::STATICCALL);
    code
}

/// Runtime code that always reverts with empty data.
pub const ALWAYS_REVERT: &[u8] = &[op::PUSH1, 0, op::PUSH1, 0, op::REVERT];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_header_is_fourteen_bytes_and_copies_the_runtime() {
        let code = creation(STORE_WORD);
        assert_eq!(&code[14..], STORE_WORD);
        assert_eq!(code[5], 14);
    }
}
