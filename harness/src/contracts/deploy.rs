//! Building the L1 genesis state: the release's contracts without op-deployer's example chain,
//! then each L2's chain contracts deployed by `OPContractsManager.deploy` and configured by the
//! SystemConfig owner's setters, in blocks before L1 block 0.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::Recovered},
    genesis::GenesisAccount,
    primitives::{Address, B256, Bytes, TxKind, U256, b256},
    rpc::types::TransactionRequest,
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent, SolValue},
};

use super::{
    ContractsError, L1Contracts, SystemConfigValues,
    abi::{AnchorStateRegistry, DisputeGameFactory, OPContractsManager, OptimismPortal, PermissionedDisputeGame, ProxyAdmin, SystemConfig},
    state::{DeployerState, load},
    upgrade::{self, ChainTarget, PlanInputs, Role, Roles, UpgradePlan},
};
use crate::{
    forks::{ContractsRelease, Fork},
    genesis::dev_signers,
    node::{
        call::{EthSimulator, Simulator},
        l1::{L1Rules, run_before_genesis},
        state::WorldState,
    },
    spec::{L2Spec, NetworkSpec},
};

/// EIP-1967 admin slot: a proxy's ProxyAdmin.
const ADMIN_SLOT: B256 = b256!("b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103");
/// The permissioned dispute game type, the one op-deployer's standard chains respect.
const PERMISSIONED_GAME: u32 = 1;

/// The L1's genesis state with the OP deployment, and each L2's contracts in spec order.
#[derive(Debug)]
pub struct L1Deployment {
    pub state: WorldState,
    pub contracts: Vec<L1Contracts>,
    /// What each L2's SystemConfig holds at genesis, in spec order.
    pub system_configs: Vec<SystemConfigValues>,
    /// Owns every chain's SystemConfig (and, in op-deployer's devnets, every other role).
    pub owner: Address,
    /// The release the L1 starts on.
    pub release: ContractsRelease,
    /// The live L1 upgrade the spec schedules, for the L1 to mine.
    pub upgrade: Option<UpgradePlan>,
}

/// What new chains take over from op-deployer's example chain: its roles and dispute game.
struct Template {
    owner: PrivateKeySigner,
    roles: OPContractsManager::Roles,
    prestate: B256,
    max_game_depth: U256,
    split_depth: U256,
    clock_extension: u64,
    max_clock_duration: u64,
    starting_anchor: Bytes,
}

/// Reads contracts' getters in a world state, as `eth_call` would.
struct Reader<'a> {
    state: &'a WorldState,
    chain_id: u64,
    timestamp: u64,
}

impl Reader<'_> {
    fn call<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, String> {
        let rules = L1Rules::default();
        let sim = EthSimulator { rules: &rules, chain_id: self.chain_id };
        let header = alloy::consensus::Header { timestamp: self.timestamp, gas_limit: 1_000_000_000, base_fee_per_gas: Some(0), excess_blob_gas: Some(0), ..Default::default() };
        let request = TransactionRequest::default().to(to).input(call.abi_encode().into());
        let (output, _) = sim.call(self.state, &header, request).map_err(|e| format!("{} on {to}: {e}", C::SIGNATURE))?;
        C::abi_decode_returns(&output).map_err(|e| format!("decoding {} from {to}: {e}", C::SIGNATURE))
    }
}

/// Deploys the L1 contracts of every L2 of `spec` on top of `dev` (the funded dev accounts), in
/// a genesis at `genesis_time`.
pub fn deploy(spec: &NetworkSpec, genesis_time: u64, dev: impl IntoIterator<Item = (Address, GenesisAccount)>) -> Result<L1Deployment, ContractsError> {
    let release = spec.l1.genesis_release();
    let dir = spec.data.deployments_dir(spec.folder()).ok_or_else(|| ContractsError::Dir { dir: spec.folder().join("<unset>"), reason: "no deployments folder is set".into() })?;
    let official = load(&dir, release)?;
    let target = spec.l1.live_upgrade().map(|(u, _)| load(&dir, u.to)).transpose()?;
    let original = official.l1_state()?;
    let reader = Reader { state: original, chain_id: spec.l1.chain_id, timestamp: genesis_time };
    let template = template(&official, &reader)?;
    let superchain_owner = reader.call(official.superchain.proxy_admin, ProxyAdmin::ownerCall {}).map_err(|reason| ContractsError::Corrupt { file: official.file.clone(), reason })?;
    let staged = target.as_ref().map(|t| upgrade::staged_accounts(&official, t)).transpose()?.unwrap_or_default();
    let canary = target.as_ref().map(|_| (upgrade::canary_signer().address(), GenesisAccount::default().with_balance(upgrade::CANARY_FUNDS)));
    let added: Vec<(Address, GenesisAccount)> = staged.into_iter().chain(canary).chain(dev).collect();
    // The release's state without op-deployer's one chain, which each L2 replaces with its own.
    let mut world = original.clone();
    world.remove_accounts(&official.chain_contracts);
    world.insert_alloc(added.iter().map(|(a, acc)| (a, acc)));
    let mut sender = Sender { signer: template.owner.clone(), chain_id: spec.l1.chain_id, nonce: 0 };
    let deploys = spec.l2.iter().map(|l2| sender.sign(official.opcm, deploy_input(&template, &official.create2_salt, l2).abi_encode())).collect();
    let deployed = run_before_genesis(spec.l1.chain_id, &world, genesis_time, deploys).map_err(|reason| fail("every L2", reason))?;
    let system_configs = deployed_system_configs(&deployed.receipts, spec)?;
    let genesis_fork = spec.schedule().genesis_fork();
    let settings = spec.l2.iter().zip(&system_configs).flat_map(|(l2, sc)| setters(release, genesis_fork, l2).into_iter().map(|call| sender.sign(*sc, call)).collect::<Vec<_>>()).collect();
    let configured = run_before_genesis(spec.l1.chain_id, &deployed.state, genesis_time, settings).map_err(|reason| fail("every L2", reason))?;
    let reader = Reader { state: &configured.state, chain_id: spec.l1.chain_id, timestamp: genesis_time };
    let protocol_versions = official.superchain.protocol_versions_proxy;
    let contracts: Vec<L1Contracts> = spec
        .l2
        .iter()
        .zip(&system_configs)
        .map(|(l2, sc)| addresses(&reader, *sc, protocol_versions).map_err(|reason| fail(&l2.name, reason)))
        .collect::<Result<_, _>>()?;
    let values = spec
        .l2
        .iter()
        .zip(&system_configs)
        .map(|(l2, sc)| values(&reader, *sc, release).map_err(|reason| fail(&l2.name, reason)))
        .collect::<Result<_, _>>()?;
    let upgrade = match &target {
        Some(target) => upgrade::plan(PlanInputs {
            spec,
            target,
            chains: spec.l2.iter().zip(&contracts).map(|(l2, c)| ChainTarget { name: l2.name.clone(), system_config: c.system_config, proxy_admin: c.proxy_admin, prestate: template.prestate }).collect(),
            roles: roles(&template.roles, superchain_owner),
            portals: contracts.iter().map(|c| c.optimism_portal).collect(),
        })?,
        None => None,
    };
    Ok(L1Deployment { state: configured.state, contracts, system_configs: values, owner: template.owner.address(), release, upgrade })
}

/// The deployment's roles as an upgrade names them.
fn roles(chain: &OPContractsManager::Roles, superchain_owner: Address) -> Roles {
    Roles::new([
        (Role::ProxyAdminOwner, chain.opChainProxyAdminOwner),
        (Role::SystemConfigOwner, chain.systemConfigOwner),
        (Role::SuperchainProxyAdminOwner, superchain_owner),
        (Role::Proposer, chain.proposer),
        (Role::Challenger, chain.challenger),
    ])
}

fn fail(chain: &str, reason: String) -> ContractsError {
    ContractsError::Deploy { chain: chain.to_owned(), reason }
}

/// The example chain's roles and dispute game, read from its deployed contracts.
fn template(official: &DeployerState, reader: &Reader<'_>) -> Result<Template, ContractsError> {
    let corrupt = |reason: String| ContractsError::Corrupt { file: official.file.clone(), reason };
    let owner = reader.call(official.system_config, SystemConfig::ownerCall {}).map_err(corrupt)?;
    let signer = dev_signers().iter().find(|s| s.address() == owner).cloned().ok_or(ContractsError::ForeignOwner { file: official.file.clone(), owner })?;
    let game = official.permissioned_game;
    let admin = Address::from_word(official.l1_alloc()?.get(&official.system_config).and_then(|a| a.storage.as_ref()?.get(&ADMIN_SLOT).copied()).unwrap_or_default());
    let roles = OPContractsManager::Roles {
        opChainProxyAdminOwner: reader.call(admin, SystemConfig::ownerCall {}).map_err(corrupt)?,
        systemConfigOwner: owner,
        batcher: owner,
        unsafeBlockSigner: reader.call(official.system_config, SystemConfig::unsafeBlockSignerCall {}).map_err(corrupt)?,
        proposer: reader.call(game, PermissionedDisputeGame::proposerCall {}).map_err(corrupt)?,
        challenger: reader.call(game, PermissionedDisputeGame::challengerCall {}).map_err(corrupt)?,
    };
    let anchor = reader.call(official.anchor_state_registry, AnchorStateRegistry::getAnchorRootCall {}).map_err(corrupt)?;
    Ok(Template {
        owner: signer,
        roles,
        prestate: reader.call(game, PermissionedDisputeGame::absolutePrestateCall {}).map_err(corrupt)?,
        max_game_depth: reader.call(game, PermissionedDisputeGame::maxGameDepthCall {}).map_err(corrupt)?,
        split_depth: reader.call(game, PermissionedDisputeGame::splitDepthCall {}).map_err(corrupt)?,
        clock_extension: reader.call(game, PermissionedDisputeGame::clockExtensionCall {}).map_err(corrupt)?,
        max_clock_duration: reader.call(game, PermissionedDisputeGame::maxClockDurationCall {}).map_err(corrupt)?,
        starting_anchor: (anchor.root, anchor.l2SequenceNumber).abi_encode().into(),
    })
}

/// The deploy call of `l2`: its chain id and the spec's scalars, gas limit and batcher; the rest
/// as op-deployer set up its example chain.
fn deploy_input(template: &Template, salt_mixer: &str, l2: &L2Spec) -> OPContractsManager::deployCall {
    let sc = &l2.system_config;
    OPContractsManager::deployCall {
        input: OPContractsManager::DeployInput {
            roles: OPContractsManager::Roles { batcher: sc.batcher, ..template.roles.clone() },
            basefeeScalar: sc.base_fee_scalar,
            blobBasefeeScalar: sc.blob_base_fee_scalar,
            l2ChainId: U256::from(l2.chain_id),
            startingAnchorRoot: template.starting_anchor.clone(),
            saltMixer: salt_mixer.to_owned(),
            gasLimit: l2.gas_limit,
            disputeGameType: PERMISSIONED_GAME,
            disputeAbsolutePrestate: template.prestate,
            disputeMaxGameDepth: template.max_game_depth,
            disputeSplitDepth: template.split_depth,
            disputeClockExtension: template.clock_extension,
            disputeMaxClockDuration: template.max_clock_duration,
        },
    }
}

/// The owner's calls that set the spec's SystemConfig values OPContractsManager does not take.
fn setters(release: ContractsRelease, genesis_fork: Fork, l2: &L2Spec) -> Vec<Vec<u8>> {
    let sc = &l2.system_config;
    let mut calls = Vec::new();
    if genesis_fork < Fork::Ecotone {
        // A chain that starts before Ecotone reads a version-0 scalar, as its L1 held before
        // Ecotone's fee format: the base-fee scalar alone, no overhead.
        calls.push(SystemConfig::setGasConfigCall { overhead: U256::ZERO, scalar: U256::from(sc.base_fee_scalar) }.abi_encode());
    }
    calls.extend([
        SystemConfig::setEIP1559ParamsCall { denominator: sc.eip1559_denominator, elasticity: sc.eip1559_elasticity }.abi_encode(),
        SystemConfig::setOperatorFeeScalarsCall { operatorFeeScalar: sc.operator_fee_scalar, operatorFeeConstant: sc.operator_fee_constant }.abi_encode(),
    ]);
    if release >= ContractsRelease::V5_0_0 {
        calls.push(SystemConfig::setMinBaseFeeCall { minBaseFee: sc.min_base_fee }.abi_encode());
        calls.push(SystemConfig::setDAFootprintGasScalarCall { daFootprintGasScalar: sc.da_footprint_gas_scalar }.abi_encode());
    }
    calls
}

/// The SystemConfig proxy of each L2, from the `Deployed` events of the deploy block: the
/// fourth word of the deploy output, checked against the chain id it answers.
fn deployed_system_configs(receipts: &[alloy::consensus::ReceiptEnvelope], spec: &NetworkSpec) -> Result<Vec<Address>, ContractsError> {
    let events: Vec<(U256, Bytes)> = receipts
        .iter()
        .flat_map(|r| r.logs().iter())
        .filter_map(|log| OPContractsManager::Deployed::decode_log(log).ok())
        .map(|e| (e.data.l2ChainId, e.data.deployOutput))
        .collect();
    spec.l2
        .iter()
        .map(|l2| {
            let output = events.iter().find(|(id, _)| *id == U256::from(l2.chain_id)).map(|(_, o)| o).ok_or_else(|| fail(&l2.name, "OPContractsManager emitted no Deployed event for its chain id".into()))?;
            let word = output.get(96..128).ok_or_else(|| fail(&l2.name, format!("the deploy output is {} bytes, too short", output.len())))?;
            Ok(Address::from_word(B256::from_slice(word)))
        })
        .collect()
}

/// Every address of one chain's deployment, read from its SystemConfig and portal.
fn addresses(reader: &Reader<'_>, system_config: Address, protocol_versions: Address) -> Result<L1Contracts, String> {
    let sc = |call| reader.call(system_config, call);
    let portal = sc(SystemConfig::optimismPortalCall {})?;
    let dispute_game_factory = reader.call(portal, OptimismPortal::disputeGameFactoryCall {})?;
    let game = reader.call(dispute_game_factory, DisputeGameFactory::gameImplsCall { gameType: PERMISSIONED_GAME })?;
    if game.is_zero() {
        return Err(format!("the DisputeGameFactory of {system_config} has no permissioned game"));
    }
    let admin = reader.state.storage(&system_config, U256::from_be_bytes(ADMIN_SLOT.0));
    Ok(L1Contracts {
        optimism_portal: portal,
        system_config,
        l1_standard_bridge: reader.call(system_config, SystemConfig::l1StandardBridgeCall {})?,
        l1_cross_domain_messenger: reader.call(system_config, SystemConfig::l1CrossDomainMessengerCall {})?,
        l1_erc721_bridge: reader.call(system_config, SystemConfig::l1ERC721BridgeCall {})?,
        optimism_mintable_erc20_factory: reader.call(system_config, SystemConfig::optimismMintableERC20FactoryCall {})?,
        dispute_game_factory,
        anchor_state_registry: reader.call(portal, OptimismPortal::anchorStateRegistryCall {})?,
        proxy_admin: Address::from_word(admin.into()),
        batch_inbox: reader.call(system_config, SystemConfig::batchInboxCall {})?,
        protocol_versions,
    })
}

/// What the SystemConfig at `address` holds; Jovian's values are 0 in releases without them.
fn values(reader: &Reader<'_>, address: Address, release: ContractsRelease) -> Result<SystemConfigValues, String> {
    let jovian = release >= ContractsRelease::V5_0_0;
    Ok(SystemConfigValues {
        batcher_hash: reader.call(address, SystemConfig::batcherHashCall {})?,
        overhead: reader.call(address, SystemConfig::overheadCall {})?,
        scalar: reader.call(address, SystemConfig::scalarCall {})?,
        gas_limit: reader.call(address, SystemConfig::gasLimitCall {})?,
        eip1559_denominator: reader.call(address, SystemConfig::eip1559DenominatorCall {})?,
        eip1559_elasticity: reader.call(address, SystemConfig::eip1559ElasticityCall {})?,
        operator_fee_scalar: reader.call(address, SystemConfig::operatorFeeScalarCall {})?,
        operator_fee_constant: reader.call(address, SystemConfig::operatorFeeConstantCall {})?,
        min_base_fee: if jovian { reader.call(address, SystemConfig::minBaseFeeCall {})? } else { 0 },
        da_footprint_gas_scalar: if jovian { reader.call(address, SystemConfig::daFootprintGasScalarCall {})? } else { 0 },
    })
}

/// Signs the owner's transactions, nonce after nonce.
struct Sender {
    signer: PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
}

impl Sender {
    /// A zero-fee call from the owner, as a pre-genesis block takes it (its base fee is zero).
    fn sign(&mut self, to: Address, input: Vec<u8>) -> Recovered<TxEnvelope> {
        let mut tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: 30_000_000,
            to: TxKind::Call(to),
            input: input.into(),
            ..Default::default()
        };
        self.nonce += 1;
        let signature = self.signer.sign_transaction_sync(&mut tx).expect("a local key signs");
        Recovered::new_unchecked(TxEnvelope::Eip1559(tx.into_signed(signature)), self.signer.address())
    }
}
