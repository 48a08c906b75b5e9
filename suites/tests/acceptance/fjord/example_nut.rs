//! The example feature of the README's "A feature team's path": the harness's own NUT bundle
//! (`networks/bundles/harness-version.json`) deploys a one-word contract and points the unused
//! predeploy proxy 0x4200…07FF at it in Fjord's activation block. It exists only to walk the path
//! a team's feature takes: catalog entry, bundle, this module, the train.
//!
//! The feature is opt-in: a network has it exactly when its spec applies the bundle (the
//! example's own specs under `networks/examples/` do; the shared ones do not). So the checks
//! hold the network to its spec both ways: where the spec applies the bundle, the proxy points
//! at the bundle's implementation and answers its version word from the upgrade on; where it
//! does not, the proxy is untouched.

op_suites::feature_tests!("fjord.example_nut", checks: proxy_follows_the_spec_after_fjord, proxy_is_untouched_before_fjord);

mod checks {
    use alloy::{
        primitives::{Address, B256, Bytes, address},
        providers::Provider,
        rpc::types::TransactionRequest,
    };
    use anyhow::{Context, ensure};
    use harness::forks::{Fork, IMPLEMENTATION_SLOT};
    use op_suites::{TestNet, probe, wallet::op_request};

    /// The predeploy proxy the bundle upgrades.
    const PROXY: Address = address!("42000000000000000000000000000000000007ff");
    /// What the bundle's contract returns, left-aligned in one word (its init code pushes
    /// exactly these 25 bytes).
    const VERSION: &[u8] = b"op-harness nut fixture v1";

    fn version_word() -> Bytes {
        let mut word = [0u8; 32];
        word[..VERSION.len()].copy_from_slice(VERSION);
        Bytes::from(word.to_vec())
    }

    /// The implementation the spec's Fjord bundles point the proxy at, if any: the last 20
    /// bytes of an `upgradeTo(address)` sent to it.
    fn promised_implementation(net: &TestNet) -> anyhow::Result<Option<Address>> {
        let bundles = net.bundles(Fork::Fjord)?;
        let upgrade = bundles.iter().flat_map(|b| &b.transactions).find(|tx| tx.deposit.to.to() == Some(&PROXY));
        Ok(upgrade.map(|tx| Address::from_slice(&tx.deposit.input[tx.deposit.input.len() - 20..])))
    }

    /// The proxy's answer at `block`; a revert (no implementation yet) answers nothing.
    async fn answer(net: &TestNet, block: u64) -> Bytes {
        let call = net.l2.call(op_request(TransactionRequest::default().to(PROXY))).block(block.into());
        call.await.unwrap_or_default()
    }

    /// Where the spec applies the bundle: the implementation slot holds the bundle's contract
    /// and the proxy answers its version word. Elsewhere: neither.
    pub async fn proxy_follows_the_spec_after_fjord(net: &TestNet) -> anyhow::Result<()> {
        let block = net.require(Fork::Fjord).await;
        let slot = net.l2.get_storage_at(PROXY, IMPLEMENTATION_SLOT.into()).block_id(block.into()).await.context("reading the proxy's implementation slot")?;
        let implementation = Address::from_word(B256::from(slot));
        let output = answer(net, block).await;
        match promised_implementation(net)? {
            Some(promised) => {
                ensure!(implementation == promised, "at block {block} the proxy {PROXY} points at {implementation}, not at the bundle's {promised}");
                ensure!(output == version_word(), "at block {block} the proxy {PROXY} answered {output}, not the bundle's version word");
            }
            None => ensure!(
                output != version_word(),
                "at block {block} the proxy {PROXY} answers the example bundle's version word, but the spec does not apply the bundle"
            ),
        }
        Ok(())
    }

    /// Before Fjord's activation the proxy has no implementation that answers the word.
    pub async fn proxy_is_untouched_before_fjord(net: &TestNet) -> anyhow::Result<()> {
        let Some(before) = probe::last_before(net, Fork::Fjord) else { return Ok(()) };
        let output = answer(net, before).await;
        ensure!(output != version_word(), "at block {before}, before Fjord, the proxy {PROXY} already answers the bundle's version word");
        Ok(())
    }
}
