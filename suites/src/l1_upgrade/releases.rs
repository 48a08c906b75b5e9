//! What each op-contracts release's proxies point at, as ethereum-optimism/superchain-registry
//! publishes it (`validation/standard/standard-versions-mainnet.toml`, checked against the
//! op-deployer states in ../shared/deployments: see its PROVENANCE.md). Implementations are
//! CREATE2 deployments, so every L1 holds them at these addresses; the permissioned dispute game
//! has per-chain constructor arguments, so only its version is listed.

use alloy::primitives::{Address, address};
use harness::forks::ContractsRelease;

/// A proxy an upgrade moves, by the contract behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proxy {
    SystemConfig,
    OptimismPortal,
    L1CrossDomainMessenger,
    L1StandardBridge,
    L1ERC721Bridge,
    OptimismMintableERC20Factory,
    DisputeGameFactory,
    AnchorStateRegistry,
    SuperchainConfig,
    ProtocolVersions,
}

/// One release's implementation of a proxy, and the `version()` it reports.
#[derive(Clone, Copy, Debug)]
pub struct Implementation {
    pub proxy: Proxy,
    pub address: Address,
    pub version: &'static str,
}

const fn i(proxy: Proxy, address: Address, version: &'static str) -> Implementation {
    Implementation { proxy, address, version }
}

const V4_1_0: [Implementation; 10] = [
    i(Proxy::SystemConfig, address!("2bfe4a5bd5a41e9d848d843ebcdfa15954e9a557"), "3.7.0"),
    i(Proxy::OptimismPortal, address!("381e729ff983fa4bced820e7b922d79bf653b999"), "5.0.0"),
    i(Proxy::L1CrossDomainMessenger, address!("22d12e0faebd62d429514a65ebae32dd316c12d6"), "2.10.0"),
    i(Proxy::L1StandardBridge, address!("e32b192fb1dca88fcb1c56b3acb429e32238adcb"), "2.7.0"),
    i(Proxy::L1ERC721Bridge, address!("7f1d12fb2911eb095278085f721e644c1f675696"), "2.8.0"),
    i(Proxy::OptimismMintableERC20Factory, address!("5493f4677a186f64805fe7317d6993ba4863988f"), "1.10.1"),
    i(Proxy::DisputeGameFactory, address!("33d1e8571a85a538ed3d5a4d88f46c112383439d"), "1.2.0"),
    i(Proxy::AnchorStateRegistry, address!("eb69cc681e8d4a557b30dffbad85affd47a2cf2e"), "3.5.0"),
    i(Proxy::SuperchainConfig, address!("ce28685eb204186b557133766eca00334eb441e4"), "2.3.0"),
    i(Proxy::ProtocolVersions, address!("37e15e4d6dffa9e5e320ee1ec036922e563cb76c"), "1.1.0"),
];

const V5_0_0: [Implementation; 10] = [
    i(Proxy::SystemConfig, address!("2fa28989fc559836e9d66dff3010c7f7f41c65ed"), "3.11.0"),
    i(Proxy::OptimismPortal, address!("7cf803296662e8c72a6c1d6450572209acf7f202"), "5.1.1"),
    i(Proxy::L1CrossDomainMessenger, address!("b686f13aff1e427a1f993f29ab0f2e7383729fe0"), "2.11.0"),
    i(Proxy::L1StandardBridge, address!("61525eaacddb97d9184afc205827e6a4fd0bf62a"), "2.8.0"),
    i(Proxy::L1ERC721Bridge, address!("74f1ac50eb0be98853805d381c884f5f9abdecf9"), "2.9.0"),
    i(Proxy::OptimismMintableERC20Factory, address!("8ee6fb13c6c9a7e401531168e196fbf8b05ceabb"), "1.10.2"),
    i(Proxy::DisputeGameFactory, address!("74fac1d45b98bae058f8f566201c9a81b85c7d50"), "1.3.0"),
    i(Proxy::AnchorStateRegistry, address!("eb69cc681e8d4a557b30dffbad85affd47a2cf2e"), "3.5.0"),
    i(Proxy::SuperchainConfig, address!("b08cc720f511062537ca78bdb0ae691f04f5a957"), "2.4.0"),
    i(Proxy::ProtocolVersions, address!("1f734b89bb1b422b9910118fb8d44c06e33d4dda"), "1.1.1"),
];

/// The release's implementations, by proxy.
pub fn implementations(release: ContractsRelease) -> &'static [Implementation] {
    match release {
        ContractsRelease::V4_1_0 => &V4_1_0,
        ContractsRelease::V5_0_0 => &V5_0_0,
    }
}

/// The version of the permissioned dispute game the release's OPContractsManager deploys.
pub fn permissioned_game_version(release: ContractsRelease) -> &'static str {
    match release {
        ContractsRelease::V4_1_0 => "1.7.0",
        ContractsRelease::V5_0_0 => "1.8.0",
    }
}
