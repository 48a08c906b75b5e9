//! The slices of the OP L1 contracts' ABIs the harness calls and the events it reads, as the
//! op-contracts releases define them.

alloy::sol! {
    /// OPContractsManager's deploy input and its ABI (op-contracts v4.1.0 and v5.0.0).
    interface OPContractsManager {
        struct Roles {
            address opChainProxyAdminOwner;
            address systemConfigOwner;
            address batcher;
            address unsafeBlockSigner;
            address proposer;
            address challenger;
        }

        struct DeployInput {
            Roles roles;
            uint32 basefeeScalar;
            uint32 blobBasefeeScalar;
            uint256 l2ChainId;
            bytes startingAnchorRoot;
            string saltMixer;
            uint64 gasLimit;
            uint32 disputeGameType;
            bytes32 disputeAbsolutePrestate;
            uint256 disputeMaxGameDepth;
            uint256 disputeSplitDepth;
            uint64 disputeClockExtension;
            uint64 disputeMaxClockDuration;
        }

        function deploy(DeployInput input) external;

        /// Emitted by the OPContractsManager's deployer for each new chain; `deployOutput`
        /// begins with the chain's ProxyAdmin, AddressManager, L1ERC721Bridge and
        /// SystemConfig.
        event Deployed(uint256 indexed l2ChainId, address indexed deployer, bytes deployOutput);
    }

    /// OPContractsManager 4.2.0's upgrade entry points (op-contracts v5.0.0), which the
    /// ProxyAdmin owners must DELEGATECALL.
    interface OPContractsManagerUpgrader {
        struct OpChainConfig {
            address systemConfigProxy;
            address proxyAdmin;
            bytes32 absolutePrestate;
        }

        function upgrade(OpChainConfig[] opChainConfigs) external;
        function upgradeSuperchainConfig(address superchainConfig, address superchainProxyAdmin) external;
    }

    interface ProxyAdmin {
        function owner() external view returns (address);
        function upgrade(address proxy, address implementation) external;
        function getProxyImplementation(address proxy) external view returns (address);
    }

    interface SystemConfig {
        function owner() external view returns (address);
        function version() external view returns (string);
        function l2ChainId() external view returns (uint256);
        function optimismPortal() external view returns (address);
        function l1CrossDomainMessenger() external view returns (address);
        function l1StandardBridge() external view returns (address);
        function l1ERC721Bridge() external view returns (address);
        function optimismMintableERC20Factory() external view returns (address);
        function batchInbox() external view returns (address);
        function batcherHash() external view returns (bytes32);
        function unsafeBlockSigner() external view returns (address);
        function gasLimit() external view returns (uint64);
        function overhead() external view returns (uint256);
        function scalar() external view returns (uint256);
        function basefeeScalar() external view returns (uint32);
        function blobbasefeeScalar() external view returns (uint32);
        function eip1559Denominator() external view returns (uint32);
        function eip1559Elasticity() external view returns (uint32);
        function operatorFeeScalar() external view returns (uint32);
        function operatorFeeConstant() external view returns (uint64);
        function minBaseFee() external view returns (uint64);
        function daFootprintGasScalar() external view returns (uint16);

        function setBatcherHash(bytes32 batcherHash) external;
        function setGasConfig(uint256 overhead, uint256 scalar) external;
        function setGasConfigEcotone(uint32 basefeeScalar, uint32 blobbasefeeScalar) external;
        function setGasLimit(uint64 gasLimit) external;
        function setEIP1559Params(uint32 denominator, uint32 elasticity) external;
        function setOperatorFeeScalars(uint32 operatorFeeScalar, uint64 operatorFeeConstant) external;
        function setMinBaseFee(uint64 minBaseFee) external;
        function setDAFootprintGasScalar(uint16 daFootprintGasScalar) external;

        event ConfigUpdate(uint256 indexed version, uint8 indexed updateType, bytes data);
    }

    interface OptimismPortal {
        struct WithdrawalTransaction {
            uint256 nonce;
            address sender;
            address target;
            uint256 value;
            uint256 gasLimit;
            bytes data;
        }

        struct OutputRootProof {
            bytes32 version;
            bytes32 stateRoot;
            bytes32 messagePasserStorageRoot;
            bytes32 latestBlockhash;
        }

        function version() external view returns (string);
        function disputeGameFactory() external view returns (address);
        function anchorStateRegistry() external view returns (address);
        function respectedGameType() external view returns (uint32);
        function proofMaturityDelaySeconds() external view returns (uint256);
        function disputeGameFinalityDelaySeconds() external view returns (uint256);
        function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes data) external payable;
        function proveWithdrawalTransaction(WithdrawalTransaction tx, uint256 disputeGameIndex, OutputRootProof outputRootProof, bytes[] withdrawalProof) external;
        function finalizeWithdrawalTransaction(WithdrawalTransaction tx) external;
        function finalizedWithdrawals(bytes32 withdrawalHash) external view returns (bool);

        event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);
        event WithdrawalProven(bytes32 indexed withdrawalHash, address indexed from, address indexed to);
        event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);
    }

    interface DisputeGameFactory {
        function gameImpls(uint32 gameType) external view returns (address);
        function initBonds(uint32 gameType) external view returns (uint256);
        function gameCount() external view returns (uint256);
        function gameAtIndex(uint256 index) external view returns (uint32 gameType, uint64 timestamp, address proxy);
        function create(uint32 gameType, bytes32 rootClaim, bytes extraData) external payable returns (address proxy);

        event DisputeGameCreated(address indexed disputeProxy, uint32 indexed gameType, bytes32 indexed rootClaim);
    }

    /// A dispute game as a proposer drives it to resolution.
    interface DisputeGame {
        function rootClaim() external view returns (bytes32);
        function l2BlockNumber() external view returns (uint256);
        function status() external view returns (uint8);
        function createdAt() external view returns (uint64);
        function resolvedAt() external view returns (uint64);
        function maxClockDuration() external view returns (uint64);
        function resolveClaim(uint256 claimIndex, uint256 numToResolve) external;
        function resolve() external returns (uint8 status);
    }

    interface PermissionedDisputeGame {
        function absolutePrestate() external view returns (bytes32);
        function maxGameDepth() external view returns (uint256);
        function splitDepth() external view returns (uint256);
        function clockExtension() external view returns (uint64);
        function maxClockDuration() external view returns (uint64);
        function proposer() external view returns (address);
        function challenger() external view returns (address);
    }

    interface AnchorStateRegistry {
        function getAnchorRoot() external view returns (bytes32 root, uint256 l2SequenceNumber);
    }
}
