//! The prefunded development accounts: the standard test mnemonic every OP and Foundry devnet
//! uses, so wallets and scripts people already have work against our networks.

use std::sync::OnceLock;

use alloy::{
    primitives::{Address, U256, uint},
    signers::local::{MnemonicBuilder, PrivateKeySigner},
};

/// `test test ... junk`, the mnemonic anvil, Hardhat and op-e2e devnets fund.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// How many accounts are prefunded.
pub const DEV_ACCOUNT_COUNT: u32 = 20;

/// Each dev account's genesis balance: 10,000 ETH, as anvil funds them.
pub const DEV_BALANCE: U256 = uint!(10_000_000_000_000_000_000_000_U256);

/// The dev signers, derived once per process (key derivation is slow in debug builds).
pub fn dev_signers() -> &'static [PrivateKeySigner] {
    static SIGNERS: OnceLock<Vec<PrivateKeySigner>> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        (0..DEV_ACCOUNT_COUNT)
            .map(|i| {
                MnemonicBuilder::english()
                    .phrase(DEV_MNEMONIC)
                    .index(i)
                    .and_then(|b| b.build())
                    .expect("the dev mnemonic derives")
            })
            .collect()
    })
}

/// The dev account addresses.
pub fn dev_addresses() -> impl Iterator<Item = Address> {
    dev_signers().iter().map(PrivateKeySigner::address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_well_known_first_account_and_balance() {
        assert_eq!(
            dev_addresses().next().unwrap(),
            alloy::primitives::address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        );
        assert_eq!(DEV_BALANCE, U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)));
    }
}
