//! The L1 boundary suite, the L1 twin of the activation-boundary suite, generic over any
//! release pair: the owner's transactions run in the scheduled L1 block and nowhere before it;
//! every proxy's implementation and `version()` move from the old release's (as the registry
//! lists them) to the new one's exactly there; what the upgrade must keep is kept; deposits
//! before, in and after the block all reach the L2; and the L2 keeps advancing throughout.
//!
//! Where the L1 starts on the new release (an Alphanet) there is no boundary: the checks see
//! the new release from genesis on and record their "before" parts as not applicable.

use alloy::{
    consensus::Transaction as _,
    eips::BlockNumberOrTag,
    network::TransactionResponse,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    rpc::types::{Filter, Log},
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context, bail, ensure};
use harness::{
    contracts::{DisputeGameFactory, OptimismPortal, ProxyAdmin, SystemConfig, upgrade::OwnerTx},
    forks::ContractsRelease,
};

use super::{
    ChainContracts, L1Upgrade, l1_header,
    releases::{Implementation, Proxy, implementations, permissioned_game_version},
    wait_for_origin,
};
use crate::{
    TestNet,
    contracts::{L1_BLOCK, L1Block, call_abi},
    l1::{l1_call, l1_raw_call},
};

alloy::sol! {
    interface Versioned {
        function version() external view returns (string);
    }

    /// Getters whose values an upgrade must keep.
    interface Kept {
        function owner() external view returns (address);
        function guardian() external view returns (address);
        function l2Sender() external view returns (address);
        function messageNonce() external view returns (uint256);
        function getAnchorRoot() external view returns (bytes32 root, uint256 l2SequenceNumber);
        function batchInbox() external view returns (address);
        function l2ChainId() external view returns (uint256);
        function basefeeScalar() external view returns (uint32);
        function blobbasefeeScalar() external view returns (uint32);
    }
}

/// Every planned owner transaction is in the upgrade block, succeeded, in the planned order, and
/// none ran in an earlier block.
pub async fn transactions_run_in_their_block(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    let upgrade = L1Upgrade::of(net, release).await?;
    let Some(block) = upgrade.live_block(net, "the owner's transactions run in their block").await? else { return Ok(()) };
    ensure!(!upgrade.planned.is_empty(), "the upgrade plans no transaction");
    let mined = mined_calls(net, block).await?;
    let mut problems = Vec::new();
    let mut previous: Option<(usize, &str)> = None;
    for (tx, sender) in &upgrade.planned {
        let found = mined.iter().position(|m| m.is(tx, *sender));
        let Some(position) = found else {
            problems.push(format!("`{}` is not in L1 block {block}", tx.intent));
            continue;
        };
        if !mined[position].succeeded {
            problems.push(format!("`{}` reverted in L1 block {block} (transaction {})", tx.intent, mined[position].hash));
        }
        if let Some((before, intent)) = previous.filter(|(p, _)| *p > position) {
            problems.push(format!("`{}` ran at index {position} of L1 block {block}, before `{intent}` (index {before}), against the planned order", tx.intent));
        }
        previous = Some((position, &tx.intent));
    }
    for early in 1..block {
        for m in mined_calls(net, early).await? {
            if let Some((tx, _)) = upgrade.planned.iter().find(|(tx, sender)| m.is(tx, *sender)) {
                problems.push(format!("`{}` ran early, in L1 block {early}", tx.intent));
            }
        }
    }
    ensure!(problems.is_empty(), "the L1 upgrade to {release} did not run as planned: {}", problems.join("; "));
    Ok(())
}

/// A transaction of an L1 block, as the checks compare it.
struct MinedCall {
    hash: B256,
    from: Address,
    to: Option<Address>,
    input: Bytes,
    succeeded: bool,
}

impl MinedCall {
    /// Whether this is the planned owner transaction `tx` sent by `sender`.
    fn is(&self, tx: &OwnerTx, sender: Address) -> bool {
        self.from == sender && self.to == Some(tx.to) && self.input == tx.data
    }
}

async fn mined_calls(net: &TestNet, number: u64) -> anyhow::Result<Vec<MinedCall>> {
    let block = net.l1.get_block_by_number(BlockNumberOrTag::Number(number)).full().await?.with_context(|| format!("L1 block {number} missing"))?;
    let receipts = net.l1.get_block_receipts(number.into()).await?.with_context(|| format!("receipts of L1 block {number} missing"))?;
    Ok(block
        .transactions
        .into_transactions()
        .zip(receipts)
        .map(|(tx, receipt)| MinedCall { hash: tx.tx_hash(), from: tx.from(), to: tx.to(), input: tx.input().clone(), succeeded: receipt.status() })
        .collect())
}

/// Each proxy points at the old release's implementation, reporting its version, until the
/// block before the upgrade, and at the new release's from the upgrade block on; the chain's
/// permissioned dispute game moves from the old release's version to the new one's with them.
pub async fn implementations_move_at_the_block(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    let upgrade = L1Upgrade::of(net, release).await?;
    let (before, after) = match upgrade.live_block(net, "the old release's implementations until the block before the upgrade").await? {
        Some(block) => (Some(block - 1), block),
        None => (None, net.l1.get_block_number().await?),
    };
    let contracts = ChainContracts::read(net, after).await?;
    let protocol_versions = protocol_versions_proxy(net, release)?;
    let mut problems = Vec::new();
    let sides = before.map(|b| (b, upgrade.from)).into_iter().chain([(after, upgrade.to)]);
    for (block, side) in sides {
        for expected in implementations(side) {
            let (proxy, admin) = proxy_and_admin(&contracts, protocol_versions, expected.proxy);
            if let Err(e) = points_at(net, admin, proxy, expected, block).await {
                problems.push(format!("{e:#}"));
            }
        }
        let game = game_version(net, &contracts, block).await?;
        let wanted = permissioned_game_version(side);
        if game != wanted {
            problems.push(format!("the permissioned dispute game is version {game} at L1 block {block}; {side} deploys {wanted}"));
        }
    }
    ensure!(problems.is_empty(), "the L1's implementations are not the releases' ones at their blocks: {}", problems.join("; "));
    Ok(())
}

/// The address behind `proxy` and the ProxyAdmin that upgrades it: the chain's admin for its
/// own proxies, the superchain's for SuperchainConfig and ProtocolVersions.
fn proxy_and_admin(contracts: &ChainContracts, protocol_versions: Address, proxy: Proxy) -> (Address, Address) {
    let chain = |address| (address, contracts.proxy_admin);
    match proxy {
        Proxy::SystemConfig => chain(contracts.system_config),
        Proxy::OptimismPortal => chain(contracts.portal),
        Proxy::L1CrossDomainMessenger => chain(contracts.messenger),
        Proxy::L1StandardBridge => chain(contracts.standard_bridge),
        Proxy::L1ERC721Bridge => chain(contracts.erc721_bridge),
        Proxy::OptimismMintableERC20Factory => chain(contracts.mintable_factory),
        Proxy::DisputeGameFactory => chain(contracts.dispute_game_factory),
        Proxy::AnchorStateRegistry => chain(contracts.anchor_state_registry),
        Proxy::SuperchainConfig => (contracts.superchain_config, contracts.superchain_proxy_admin),
        Proxy::ProtocolVersions => (protocol_versions, contracts.superchain_proxy_admin),
    }
}

/// The superchain's ProtocolVersions proxy, from the release's op-deployer state (no chain
/// contract links to it).
fn protocol_versions_proxy(net: &TestNet, release: ContractsRelease) -> anyhow::Result<Address> {
    let spec = net.spec.as_ref().context("precondition failed: the network's spec is unknown (set HARNESS_SPEC)")?;
    let dir = spec.data.deployments_dir(spec.folder()).context("the spec names no deployments folder")?;
    Ok(harness::contracts::load_state(&dir, release)?.superchain.protocol_versions_proxy)
}

async fn points_at(net: &TestNet, admin: Address, proxy: Address, expected: &Implementation, block: u64) -> anyhow::Result<()> {
    let implementation = l1_call(net, admin, ProxyAdmin::getProxyImplementationCall { proxy }, block).await?;
    let version = l1_call(net, proxy, Versioned::versionCall {}, block).await?;
    ensure!(
        implementation == expected.address && version == expected.version,
        "{:?} {proxy} points at {implementation} (version {version}) at L1 block {block}; the release has {} (version {})",
        expected.proxy,
        expected.address,
        expected.version
    );
    Ok(())
}

/// The version of the permissioned game the chain's factory creates at `block`.
async fn game_version(net: &TestNet, contracts: &ChainContracts, block: u64) -> anyhow::Result<String> {
    let game_type = l1_call(net, contracts.portal, OptimismPortal::respectedGameTypeCall {}, block).await?;
    let game = l1_call(net, contracts.dispute_game_factory, DisputeGameFactory::gameImplsCall { gameType: game_type }, block).await?;
    l1_call(net, game, Versioned::versionCall {}, block).await
}

/// What the upgrade must keep is the same before and after it: the owners, every SystemConfig
/// value, the portal's state, the messenger's nonce, the factory's games and the anchor root.
/// The portal's balance changes by the deposits of the upgrade block alone; the values the new
/// release adds start at zero.
pub async fn storage_is_kept(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    let upgrade = L1Upgrade::of(net, release).await?;
    let Some(block) = upgrade.live_block(net, "storage kept across the upgrade").await? else { return Ok(()) };
    let c = ChainContracts::read(net, block).await?;
    let mut problems = Vec::new();
    for (name, to, input) in kept_getters(&c) {
        let (old, new) = (l1_raw_call(net, to, input.clone(), block - 1).await?, l1_raw_call(net, to, input, block).await?);
        if old != new {
            problems.push(format!("{name} was {old} at L1 block {} and is {new} at {block}", block - 1));
        }
    }
    let added = [("minBaseFee", SystemConfig::minBaseFeeCall {}.abi_encode()), ("daFootprintGasScalar", SystemConfig::daFootprintGasScalarCall {}.abi_encode())];
    for (name, input) in added.into_iter().filter(|_| release == ContractsRelease::V5_0_0) {
        let value = l1_raw_call(net, c.system_config, input.into(), block).await?;
        if value.iter().any(|b| *b != 0) {
            problems.push(format!("SystemConfig.{name}, new in {release}, is {value} right after the upgrade, not 0"));
        }
    }
    if let Err(e) = portal_balance_kept(net, &c, block).await {
        problems.push(format!("{e:#}"));
    }
    ensure!(problems.is_empty(), "the upgrade changed what it must keep: {}", problems.join("; "));
    Ok(())
}

/// A getter as the checks compare it: its name, contract and calldata.
fn getter<C: SolCall>(name: &'static str, to: Address, call: C) -> (&'static str, Address, Bytes) {
    (name, to, call.abi_encode().into())
}

/// The getters compared across the upgrade.
fn kept_getters(c: &ChainContracts) -> Vec<(&'static str, Address, Bytes)> {
    use Kept as K;
    use SystemConfig as S;
    vec![
        getter("SystemConfig.owner", c.system_config, K::ownerCall {}),
        getter("SystemConfig.gasLimit", c.system_config, S::gasLimitCall {}),
        getter("SystemConfig.scalar", c.system_config, S::scalarCall {}),
        getter("SystemConfig.basefeeScalar", c.system_config, K::basefeeScalarCall {}),
        getter("SystemConfig.blobbasefeeScalar", c.system_config, K::blobbasefeeScalarCall {}),
        getter("SystemConfig.batcherHash", c.system_config, S::batcherHashCall {}),
        getter("SystemConfig.eip1559Denominator", c.system_config, S::eip1559DenominatorCall {}),
        getter("SystemConfig.eip1559Elasticity", c.system_config, S::eip1559ElasticityCall {}),
        getter("SystemConfig.operatorFeeScalar", c.system_config, S::operatorFeeScalarCall {}),
        getter("SystemConfig.operatorFeeConstant", c.system_config, S::operatorFeeConstantCall {}),
        getter("SystemConfig.unsafeBlockSigner", c.system_config, S::unsafeBlockSignerCall {}),
        getter("SystemConfig.batchInbox", c.system_config, K::batchInboxCall {}),
        getter("SystemConfig.l2ChainId", c.system_config, K::l2ChainIdCall {}),
        getter("ProxyAdmin.owner", c.proxy_admin, K::ownerCall {}),
        getter("superchain ProxyAdmin.owner", c.superchain_proxy_admin, K::ownerCall {}),
        getter("SuperchainConfig.guardian", c.superchain_config, K::guardianCall {}),
        getter("OptimismPortal.l2Sender", c.portal, K::l2SenderCall {}),
        getter("OptimismPortal.respectedGameType", c.portal, OptimismPortal::respectedGameTypeCall {}),
        getter("L1CrossDomainMessenger.messageNonce", c.messenger, K::messageNonceCall {}),
        getter("DisputeGameFactory.owner", c.dispute_game_factory, K::ownerCall {}),
        getter("DisputeGameFactory.gameCount", c.dispute_game_factory, DisputeGameFactory::gameCountCall {}),
        getter("AnchorStateRegistry.getAnchorRoot", c.anchor_state_registry, K::getAnchorRootCall {}),
    ]
}

/// The portal holds at the upgrade block what it held before plus what that block's deposits
/// minted: the upgrade itself moves no ETH. (No lockbox is in use in these releases' devnets:
/// the portal holds every deposit.)
async fn portal_balance_kept(net: &TestNet, c: &ChainContracts, block: u64) -> anyhow::Result<()> {
    let balance = |number: u64| net.l1.get_balance(c.portal).block_id(number.into());
    let (before, after) = (balance(block - 1).await?, balance(block).await?);
    let minted: U256 = deposit_logs(net, c.portal, block).await?.iter().map(mint).sum();
    ensure!(
        after == before + minted,
        "the portal held {before} wei at L1 block {} and {after} at {block}, but that block's deposits minted {minted}",
        block - 1
    );
    Ok(())
}

/// The portal's `TransactionDeposited` logs of L1 block `number`.
pub(super) async fn deposit_logs(net: &TestNet, portal: Address, number: u64) -> anyhow::Result<Vec<Log>> {
    let filter = Filter::new().address(portal).event_signature(OptimismPortal::TransactionDeposited::SIGNATURE_HASH).from_block(number).to_block(number);
    Ok(net.l1.get_logs(&filter).await?)
}

/// What a deposit mints on L2: the first word of its opaque data (`abi.encode(bytes)`: offset,
/// length, then `mint ++ value ++ gas ++ isCreation ++ data`).
pub(super) fn mint(log: &Log) -> U256 {
    let data = &log.inner.data.data;
    data.get(64..96).map_or(U256::ZERO, U256::from_be_slice)
}

/// Every deposit of the block before the upgrade, the upgrade block and the block after reaches
/// the L2, in the first L2 block whose L1 origin is its block, and succeeds. Each of the three
/// blocks must hold a deposit (the harness deposits in each on networks it runs).
pub async fn deposits_cross_the_boundary(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    let upgrade = L1Upgrade::of(net, release).await?;
    let Some(block) = upgrade.live_block(net, "deposits before, in and after the upgrade block").await? else { return Ok(()) };
    wait_for_origin(net, block + 1).await?;
    for number in [block - 1, block, block + 1] {
        let logs = deposit_logs(net, net.l1_addresses.portal, number).await?;
        ensure!(!logs.is_empty(), "precondition failed: L1 block {number} (upgrade block {block}) holds no deposit to check");
        for log in &logs {
            arrived(net, log, number).await?;
        }
    }
    Ok(())
}

/// The L2 transaction kona derives from `log` of L1 block `number` is on the L2, succeeded, in
/// a block whose L1 origin is `number`.
async fn arrived(net: &TestNet, log: &Log, number: u64) -> anyhow::Result<()> {
    let block_hash = l1_header(net, number).await?.hash;
    let index = log.log_index.context("a log without its index in the block")?;
    let encoded = kona_protocol::decode_deposit(block_hash, index as usize, &log.inner).map_err(|e| anyhow::anyhow!("decoding the deposit at log {index} of L1 block {number}: {e}"))?;
    let hash = keccak256(&encoded);
    let receipt = net.receipt(hash).await.with_context(|| format!("the deposit of L1 block {number}, log {index} (L2 transaction {hash}) never reached the L2"))?;
    ensure!(crate::wallet::succeeded(&receipt), "the deposit of L1 block {number}, log {index}, failed on the L2 ({hash})");
    let l2_block = crate::wallet::block_number(&receipt)?;
    let origin = call_abi(net, L1_BLOCK, L1Block::numberCall {}, l2_block).await?;
    ensure!(origin == number, "the deposit of L1 block {number} landed in L2 block {l2_block}, whose L1 origin is {origin}");
    Ok(())
}

/// The L2 adopts the blocks around the upgrade one by one (each L2 block's origin is its
/// parent's or the next L1 block) and keeps producing blocks after them.
pub async fn l2_advances_throughout(net: &TestNet, release: ContractsRelease) -> anyhow::Result<()> {
    let upgrade = L1Upgrade::of(net, release).await?;
    let Some(block) = upgrade.live_block(net, "the L2 advances across the upgrade").await? else { return Ok(()) };
    let end = wait_for_origin(net, block + 2).await?;
    let step = net.l1_block_time().div_ceil(net.schedule.block_time);
    let start = (block - 1).saturating_sub(1) * step;
    let mut origins = Vec::new();
    for number in start..=end {
        origins.push((number, call_abi(net, L1_BLOCK, L1Block::numberCall {}, number).await?));
    }
    for pair in origins.windows(2) {
        let ((a, oa), (b, ob)) = (pair[0], pair[1]);
        ensure!(ob == oa || ob == oa + 1, "L2 block {b} has L1 origin {ob} after block {a}'s {oa}: the L2 skipped or went back");
    }
    for wanted in [block - 1, block, block + 1] {
        if !origins.iter().any(|(_, o)| *o == wanted) {
            bail!("no L2 block took L1 block {wanted} (upgrade block {block}) as its origin");
        }
    }
    net.wait_for_block(end + 2).await.context("the L2 stopped after the upgrade")?;
    Ok(())
}
