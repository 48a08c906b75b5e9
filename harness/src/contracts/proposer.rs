//! The harness as proposer: what op-proposer does for a chain with permissioned dispute games.
//! It computes an L2 block's output root by op-node's rule from the L2's own state over RPC,
//! creates a game claiming it through the DisputeGameFactory (only the proposer may: the game
//! checks `tx.origin`), and resolves the game once its clock has run out. Everything goes over
//! JSON-RPC, so the proposer serves any backend whose proposer key is a dev key.

use std::time::Duration;

use alloy::{
    eips::BlockNumberOrTag,
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent, SolValue},
};

use super::{
    DisputeGameFactory, OptimismPortal, PermissionedDisputeGame,
    abi::{DisputeGame, OptimismPortal::OutputRootProof},
};
use crate::{forks::Fork, genesis::L2_TO_L1_MESSAGE_PASSER, node::rpc::error::is_nonce_race};

/// How long a proposer transaction may take to be mined: the embedded L1 mines at once in fast
/// mode; a real-time L1 within a slot or two.
const RECEIPT_DEADLINE: Duration = Duration::from_secs(60);

/// Sends per transaction when another sender of the same key takes the nonce first.
const NONCE_ATTEMPTS: usize = 5;

/// What can go wrong while proposing.
#[derive(Debug, thiserror::Error)]
pub enum ProposerError {
    #[error("{what}: {reason}")]
    Rpc { what: String, reason: String },
    #[error("the chain's proposer {0} is not one of the dev accounts, so the harness cannot propose for it")]
    ForeignProposer(Address),
    #[error("{what}: transaction {tx} reverted")]
    Reverted { what: String, tx: B256 },
    #[error("L2 block {0} has no header (not produced yet, or pruned)")]
    NoBlock(u64),
    #[error("game {0} is not among the factory's newest games")]
    UnknownGame(Address),
    #[error("transaction {0} created no dispute game")]
    NoGameCreated(B256),
}

fn rpc(what: impl Into<String>) -> impl FnOnce(String) -> ProposerError {
    let what = what.into();
    move |reason| ProposerError::Rpc { what, reason }
}

/// An output root as op-node computes it (version 0), with the parts the portal's proof takes.
pub fn output_root(proof: &OutputRootProof) -> B256 {
    keccak256((proof.version, proof.stateRoot, proof.messagePasserStorageRoot, proof.latestBlockhash).abi_encode())
}

/// A game the proposer created.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub game: Address,
    /// Its index in the factory, which the portal's prove takes.
    pub index: U256,
    pub l2_block: u64,
    pub root: B256,
}

/// The proposer of one L2.
pub struct Proposer {
    l1: DynProvider,
    l2: DynProvider,
    factory: Address,
    game_type: u32,
    /// When the L2 activates Isthmus, from its rollup config: from then on the header carries
    /// the message passer's storage root.
    isthmus_time: Option<u64>,
    address: Address,
}

impl Proposer {
    /// The proposer of the L2 at `l2_url` whose portal on the L1 at `l1_url` is `portal`.
    pub async fn connect(l1_url: &str, l2_url: &str, portal: Address) -> Result<Self, ProposerError> {
        let reader: DynProvider = ProviderBuilder::new().connect(l1_url).await.map_err(|e| rpc(format!("connecting to {l1_url}"))(e.to_string()))?.erased();
        let factory = read(&reader, portal, OptimismPortal::disputeGameFactoryCall {}).await?;
        let game_type = read(&reader, portal, OptimismPortal::respectedGameTypeCall {}).await?;
        let implementation = read(&reader, factory, DisputeGameFactory::gameImplsCall { gameType: game_type }).await?;
        let address = read(&reader, implementation, PermissionedDisputeGame::proposerCall {}).await?;
        let signer: PrivateKeySigner = crate::genesis::dev_signers().iter().find(|s| s.address() == address).cloned().ok_or(ProposerError::ForeignProposer(address))?;
        let l1 = ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect(l1_url).await.map_err(|e| rpc(format!("connecting to {l1_url}"))(e.to_string()))?.erased();
        let l2: DynProvider = ProviderBuilder::new().connect(l2_url).await.map_err(|e| rpc(format!("connecting to {l2_url}"))(e.to_string()))?.erased();
        let config: serde_json::Value = l2.raw_request("optimism_rollupConfig".into(), ()).await.map_err(|e| rpc("reading the L2's rollup config")(e.to_string()))?;
        let isthmus_time = Fork::Isthmus.rollup_time_key().and_then(|key| config[key].as_u64());
        Ok(Self { l1, l2, factory, game_type, isthmus_time, address })
    }

    /// The proposer's account.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The output root of L2 block `number`, from the L2's state: its state root and hash, and
    /// the L2ToL1MessagePasser's storage root (the header's `withdrawalsRoot` from Isthmus on;
    /// before it, the storage hash `eth_getProof` reports).
    pub async fn output_at(&self, number: u64) -> Result<OutputRootProof, ProposerError> {
        let block = self.l2.get_block_by_number(BlockNumberOrTag::Number(number)).await.map_err(|e| rpc(format!("reading L2 block {number}"))(e.to_string()))?;
        let header = block.ok_or(ProposerError::NoBlock(number))?.header;
        let isthmus = self.isthmus_time.is_some_and(|t| header.timestamp >= t);
        let message_passer_root = match header.withdrawals_root.filter(|_| isthmus) {
            Some(root) => root,
            None => {
                let proof = self.l2.get_proof(L2_TO_L1_MESSAGE_PASSER, Vec::new()).block_id(number.into()).await;
                proof.map_err(|e| rpc(format!("eth_getProof of the message passer at L2 block {number}"))(e.to_string()))?.storage_hash
            }
        };
        Ok(OutputRootProof { version: B256::ZERO, stateRoot: header.state_root, messagePasserStorageRoot: message_passer_root, latestBlockhash: header.hash })
    }

    /// Proposes L2 block `number`'s output root.
    pub async fn propose(&self, number: u64) -> Result<Proposal, ProposerError> {
        let root = output_root(&self.output_at(number).await?);
        self.propose_root(number, root).await
    }

    /// Creates a game claiming `root` for L2 block `number`, whatever the L2 says: a permissioned
    /// proposer is trusted, so only the portal's proof checks can catch a wrong root.
    pub async fn propose_root(&self, number: u64, root: B256) -> Result<Proposal, ProposerError> {
        let bond = read(&self.l1, self.factory, DisputeGameFactory::initBondsCall { gameType: self.game_type }).await?;
        let extra: Bytes = U256::from(number).abi_encode().into();
        let call = DisputeGameFactory::createCall { gameType: self.game_type, rootClaim: root, extraData: extra };
        let receipt = self.send(self.factory, call.abi_encode(), bond, &format!("creating a game for L2 block {number}")).await?;
        let created = receipt.inner.logs().iter().find_map(|l| DisputeGameFactory::DisputeGameCreated::decode_log(&l.inner).ok()).ok_or(ProposerError::NoGameCreated(receipt.transaction_hash))?;
        let game = created.data.disputeProxy;
        Ok(Proposal { game, index: self.index_of(game).await?, l2_block: number, root })
    }

    /// The factory index of `game`, searched from the newest game down (games proposed since
    /// by others come after it).
    async fn index_of(&self, game: Address) -> Result<U256, ProposerError> {
        const SEARCHED: u64 = 64;
        let count: U256 = read(&self.l1, self.factory, DisputeGameFactory::gameCountCall {}).await?;
        for back in 1..=SEARCHED.min(count.to()) {
            let index = count - U256::from(back);
            if read(&self.l1, self.factory, DisputeGameFactory::gameAtIndexCall { index }).await?.proxy == game {
                return Ok(index);
            }
        }
        Err(ProposerError::UnknownGame(game))
    }

    /// Resolves an unchallenged game once its clock has run out: the root claim, then the game.
    pub async fn resolve(&self, game: Address) -> Result<(), ProposerError> {
        self.send(game, DisputeGame::resolveClaimCall { claimIndex: U256::ZERO, numToResolve: U256::ZERO }.abi_encode(), U256::ZERO, "resolving the root claim").await?;
        self.send(game, DisputeGame::resolveCall {}.abi_encode(), U256::ZERO, "resolving the game").await?;
        Ok(())
    }

    /// Sends a call from the proposer and waits for its receipt; a nonce another sender of the
    /// key took first is retried with the next one, a bounded number of times.
    async fn send(&self, to: Address, input: Vec<u8>, value: U256, what: &str) -> Result<TransactionReceipt, ProposerError> {
        let request = TransactionRequest::default().to(to).input(input.into()).value(value);
        let mut last = String::new();
        for _ in 0..NONCE_ATTEMPTS {
            match self.l1.send_transaction(request.clone()).await {
                Ok(pending) => {
                    let receipt = pending.with_timeout(Some(RECEIPT_DEADLINE)).get_receipt().await.map_err(|e| rpc(what)(e.to_string()))?;
                    return match receipt.status() {
                        true => Ok(receipt),
                        false => Err(ProposerError::Reverted { what: what.to_owned(), tx: receipt.transaction_hash }),
                    };
                }
                Err(e) if is_nonce_race(&e.to_string()) => last = e.to_string(),
                Err(e) => return Err(rpc(what)(e.to_string())),
            }
        }
        Err(rpc(what)(format!("the proposer's nonce was taken {NONCE_ATTEMPTS} times: {last}")))
    }
}

/// Calls a view function on the L1's latest block.
async fn read<C: SolCall>(l1: &DynProvider, to: Address, call: C) -> Result<C::Return, ProposerError> {
    let what = format!("{} on {to}", C::SIGNATURE);
    let output = l1.call(TransactionRequest::default().to(to).input(call.abi_encode().into())).await.map_err(|e| rpc(what.clone())(e.to_string()))?;
    C::abi_decode_returns(&output).map_err(|e| rpc(what)(e.to_string()))
}
