//! Genesis for the L1 and each L2: the `alloy::genesis::Genesis` a real client would read, and
//! the block-0 header computed from it.

mod dev;
mod header;
mod predeploys;

use alloy::{
    consensus::{Header, Sealed},
    genesis::{ChainConfig, Genesis, GenesisAccount},
    primitives::{Address, B64, Bytes},
};
use op_alloy::consensus::{encode_holocene_extra_data, encode_jovian_extra_data};
use op_alloy::rpc_types::{OpBaseFeeInfo, OpGenesisInfo};
use alloy::eips::eip1559::BaseFeeParams;

pub use dev::{DEV_ACCOUNT_COUNT, DEV_BALANCE, DEV_MNEMONIC, dev_addresses, dev_signers};
pub use header::{GenesisRules, L2_TO_L1_MESSAGE_PASSER, genesis_header};
pub use predeploys::{OP_DEPLOYER_BASE, Replayed, base_fork, genesis_upgrades, predeploys, prepare, registry_genesis, replay, replayed_at_genesis};

use crate::{
    contracts::L1Deployment,
    forks::Fork,
    node::state::WorldState,
    spec::{ForkSchedule, L2Spec, NetworkSpec},
};

/// Why a genesis state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("the predeploy allocation shipped by kona-registry is unusable: {0}")]
    Registry(String),
    #[error("upgrade bundle: {0}")]
    Bundle(#[from] crate::spec::BundleSourceError),
    #[error("replaying the genesis forks' upgrade transactions failed: {0}")]
    Upgrade(String),
    #[error(transparent)]
    Contracts(#[from] crate::contracts::ContractsError),
    #[error("the chain starts from op-deployer's state, but no deployments folder is set; set `deployments` under [data] (e.g. ../shared/deployments beside this project) or {}", crate::spec::DEPLOYMENTS_ENV)]
    NoDeployments,
}

/// EIP-1559 parameters before Canyon (op-geth's `optimism.eip1559Denominator`).
pub const BEDROCK_BASE_FEE_PARAMS: BaseFeeParams = BaseFeeParams::new(50, 6);

/// A chain's genesis description, the state its allocation holds, and its sealed block 0.
#[derive(Clone, Debug)]
pub struct ChainGenesis {
    /// The description; its allocation is left empty when the harness built the state, which
    /// holds it (see [`Self::to_file`]).
    genesis: Genesis,
    /// Whether the allocation is only in `state`.
    built: bool,
    pub header: Sealed<Header>,
    /// The allocation as the state the chain's node starts on; the header's roots were taken
    /// from its trie, so the node starts on hashed nodes instead of a second walk.
    pub state: WorldState,
}

impl ChainGenesis {
    /// Block 0 of `genesis`, shaped by the forks its own chain config activates at its
    /// timestamp, as op-geth and op-reth shape it: so a real chain's `genesis.json` yields that
    /// chain's genesis hash.
    pub fn new(genesis: Genesis) -> Self {
        let state = WorldState::from_alloc(&genesis.alloc);
        Self::with_state(genesis, state, false)
    }

    /// Block 0 of a chain whose genesis state the harness built (by deploying or replaying
    /// transactions).
    fn from_state(genesis: Genesis, state: WorldState) -> Self {
        Self::with_state(genesis, state, true)
    }

    fn with_state(genesis: Genesis, state: WorldState, built: bool) -> Self {
        let header = genesis_header(&genesis, rules_of(&genesis), &state);
        Self { header: Sealed::new(header), genesis, built, state }
    }

    /// The genesis timestamp.
    pub const fn timestamp(&self) -> u64 {
        self.genesis.timestamp
    }

    /// The genesis as the `genesis.json` real clients read, allocation and all. A built state's
    /// allocation is written out here, not at start: only the files need it, and copying an L2's
    /// 2,000 accounts was a twentieth of a network's start.
    pub fn to_file(&self) -> Genesis {
        let mut genesis = self.genesis.clone();
        if self.built {
            genesis.alloc = self.state.to_alloc().into_iter().collect();
        }
        genesis
    }
}

/// The header-shaping rules `genesis`'s chain config activates at its timestamp.
fn rules_of(genesis: &Genesis) -> GenesisRules {
    let active = |time: Option<u64>| time.is_some_and(|t| t <= genesis.timestamp);
    let config = &genesis.config;
    let isthmus = OpGenesisInfo::extract_from(&config.extra_fields).and_then(|info| info.isthmus_time);
    GenesisRules {
        shanghai: active(config.shanghai_time),
        cancun: active(config.cancun_time),
        prague: active(config.prague_time),
        op_isthmus: active(isthmus),
    }
}

/// Parses an op-geth `genesis.json`. Published superchain allocations carry `"config": null`,
/// which reads as a chain config with no forks scheduled.
pub fn parse_op_geth(json: &[u8]) -> Result<Genesis, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_slice(json)?;
    if value.get("config").is_some_and(serde_json::Value::is_null)
        && let Some(object) = value.as_object_mut()
    {
        object.remove("config");
    }
    serde_json::from_value(value)
}

fn dev_alloc() -> impl Iterator<Item = (Address, GenesisAccount)> {
    dev_addresses().map(|a| (a, GenesisAccount::default().with_balance(DEV_BALANCE)))
}

/// Every pre-merge fork at block 0 and the given post-merge times.
fn chain_config(chain_id: u64, shanghai: Option<u64>, cancun: Option<u64>, prague: Option<u64>) -> ChainConfig {
    ChainConfig {
        chain_id,
        homestead_block: Some(0),
        eip150_block: Some(0),
        eip155_block: Some(0),
        eip158_block: Some(0),
        byzantium_block: Some(0),
        constantinople_block: Some(0),
        petersburg_block: Some(0),
        istanbul_block: Some(0),
        muir_glacier_block: Some(0),
        berlin_block: Some(0),
        london_block: Some(0),
        arrow_glacier_block: Some(0),
        gray_glacier_block: Some(0),
        merge_netsplit_block: Some(0),
        terminal_total_difficulty: Some(Default::default()),
        terminal_total_difficulty_passed: true,
        shanghai_time: shanghai,
        cancun_time: cancun,
        prague_time: prague,
        ..Default::default()
    }
}

/// The L1's OP deployment: the dev accounts funded and the OP contracts of every L2 of the spec
/// deployed (see [`crate::contracts`]).
pub fn l1_deployment(spec: &NetworkSpec, genesis_time: u64) -> Result<L1Deployment, GenesisError> {
    Ok(crate::contracts::deploy(spec, genesis_time, dev_alloc())?)
}

/// The L1's genesis: Prague from genesis, holding `deployment`'s state.
pub fn l1_chain(spec: &NetworkSpec, genesis_time: u64, deployment: &L1Deployment) -> ChainGenesis {
    ChainGenesis::from_state(
        Genesis {
            config: chain_config(spec.l1.chain_id, Some(0), Some(0), Some(0)),
            timestamp: genesis_time,
            gas_limit: 60_000_000,
            base_fee_per_gas: Some(alloy::eips::eip1559::INITIAL_BASE_FEE.into()),
            ..Default::default()
        },
        deployment.state.clone(),
    )
}

/// An L2's genesis with the OP chain config; `predeploys` holds the predeploys (the genesis
/// builder supplies them) and the dev accounts are added here.
pub fn l2_genesis(spec: &NetworkSpec, l2: &L2Spec, genesis_time: u64, mut predeploys: WorldState) -> ChainGenesis {
    let schedule = spec.schedule();
    let time = |fork| schedule.time(fork, genesis_time);
    let mut config = chain_config(l2.chain_id, time(Fork::Canyon), time(Fork::Ecotone), time(Fork::Isthmus));
    config.extra_fields = op_chain_fields(&schedule, genesis_time);
    let dev: Vec<_> = dev_alloc().collect();
    predeploys.insert_alloc(dev.iter().map(|(a, account)| (a, account)));
    ChainGenesis::from_state(
        Genesis {
            config,
            timestamp: genesis_time,
            gas_limit: l2.gas_limit,
            base_fee_per_gas: Some(alloy::eips::eip1559::INITIAL_BASE_FEE.into()),
            extra_data: genesis_extra_data(&schedule, l2),
            ..Default::default()
        },
        predeploys,
    )
}

/// The op-geth chain-config keys: `bedrockBlock`, `<fork>Time` and the `optimism` table.
fn op_chain_fields(schedule: &ForkSchedule, genesis_time: u64) -> alloy::serde::OtherFields {
    let time = |fork| schedule.time(fork, genesis_time);
    let info = OpGenesisInfo {
        bedrock_block: Some(0),
        regolith_time: time(Fork::Regolith),
        canyon_time: time(Fork::Canyon),
        ecotone_time: time(Fork::Ecotone),
        fjord_time: time(Fork::Fjord),
        granite_time: time(Fork::Granite),
        holocene_time: time(Fork::Holocene),
        isthmus_time: time(Fork::Isthmus),
        jovian_time: time(Fork::Jovian),
        karst_time: time(Fork::Karst),
        // op-alloy still names it interop; op-geth and op-reth read `lagoonTime` (below).
        interop_time: None,
    };
    let base_fee = OpBaseFeeInfo {
        eip1559_elasticity: Some(BEDROCK_BASE_FEE_PARAMS.elasticity_multiplier as u64),
        eip1559_denominator: Some(BEDROCK_BASE_FEE_PARAMS.max_change_denominator as u64),
        eip1559_denominator_canyon: Some(250),
    };
    let mut fields: alloy::serde::OtherFields =
        serde_json::from_value(serde_json::to_value(info).expect("serialisable")).expect("an object");
    fields.insert("optimism".into(), serde_json::to_value(base_fee).expect("serialisable"));
    if let (Some(key), Some(time)) = (Fork::Lagoon.genesis_time_key(), time(Fork::Lagoon)) {
        fields.insert(key, time.into());
    }
    fields
}

/// The system config's EIP-1559 parameters as Holocene encodes them: denominator, elasticity.
pub fn eip1559_params(l2: &L2Spec) -> B64 {
    let sc = &l2.system_config;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&sc.eip1559_denominator.to_be_bytes());
    out[4..].copy_from_slice(&sc.eip1559_elasticity.to_be_bytes());
    B64::from(out)
}

/// Block 0's `extraData`: Holocene and Jovian chains carry their EIP-1559 parameters from
/// genesis on, so that block 1's base fee can be computed from its parent.
fn genesis_extra_data(schedule: &ForkSchedule, l2: &L2Spec) -> Bytes {
    let canyon = BaseFeeParams::new(250, 6);
    let params = eip1559_params(l2);
    if schedule.is_active(Fork::Jovian, 0) {
        encode_jovian_extra_data(params, canyon, l2.system_config.min_base_fee).expect("9+ bytes")
    } else if schedule.is_active(Fork::Holocene, 0) {
        encode_holocene_extra_data(params, canyon).expect("9 bytes")
    } else {
        Bytes::new()
    }
}
