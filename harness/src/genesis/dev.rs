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

/// The dev signers, derived once per process. The BIP-39 seed (2,048 rounds of HMAC-SHA512,
/// most of a network's start-up when done per key) is derived once and each account is a child
/// of the path's parent key.
pub fn dev_signers() -> &'static [PrivateKeySigner] {
    static SIGNERS: OnceLock<Vec<PrivateKeySigner>> = OnceLock::new();
    SIGNERS.get_or_init(|| {
        let accounts = MnemonicBuilder::english().phrase(DEV_MNEMONIC).into_iter().take(DEV_ACCOUNT_COUNT as usize);
        accounts.collect::<Result<_, _>>().expect("the dev mnemonic derives")
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
        // anvil's published accounts 9 (every L1 owner role) and 19, the last one.
        let addresses: Vec<Address> = dev_addresses().collect();
        assert_eq!(addresses[9], alloy::primitives::address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"));
        assert_eq!(addresses[19], alloy::primitives::address!("8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"));
        assert_eq!(DEV_BALANCE, U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)));
    }
}
