//! The container backend: the L1 and L2 roles as containers on host networking, at loopback
//! ports the harness picks, labelled with the run id (removed when the network drops, and by
//! `harness clean` after a killed run), their output streamed to `reports/<run>/logs/`.
//!
//! By default the roles are the locally built images (`scripts/build-images`): anvil, and the
//! harness's own node. A spec's `[container.l1]`/`[container.l2]` can name other images and
//! command lines, e.g. op-reth with kona-node, reading the files `harness config` writes.

use std::{
    collections::BTreeMap,
    io::Write,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use testcontainers::{
    ContainerAsync, GenericImage, ImageExt,
    core::{Mount, logs::LogFrame},
    runners::AsyncRunner,
};

use super::{
    BackendError,
    launch::{anvil_args, free_port, logs_dir, loopback_url, node_args, ready_deadline, wait_for_blocks, wait_for_chain, write_configs},
    registry::RUN_LABEL,
};
use crate::spec::{ClockMode, ContainerRole, DEPLOYMENTS_ENV, NUTS_ENV, NetworkSpec};

/// The locally built images `scripts/build-images` tags.
pub const ANVIL_IMAGE: (&str, &str) = ("op-harness/anvil", "1.7.1");
pub const NODE_IMAGE: (&str, &str) = ("op-harness/node", "dev");

/// Where a role's spec and config files appear inside its container.
const SPEC_DIR: &str = "/spec";
const CONFIG_DIR: &str = "/config";

/// A role ready to start: image, command line, environment and mounts.
struct Launch {
    name: &'static str,
    image: (String, String),
    command: Vec<String>,
    env: BTreeMap<String, String>,
    mounts: Vec<(PathBuf, String)>,
}

/// Replaces `{rpc_port}`, `{l1_rpc}`, `{chain_id}` and `{config_dir}` in a spec's template.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_owned(), |text, (key, value)| text.replace(&format!("{{{key}}}"), value))
}

impl Launch {
    fn default_l1(spec: &NetworkSpec, port: u16, config: &Path, clock: ClockMode) -> Self {
        let mut command = vec!["/bin/anvil".to_owned()];
        command.extend(anvil_args(spec, port, &format!("{CONFIG_DIR}/{}", crate::config::L1_GENESIS_FILE), clock));
        let mounts = vec![(config.to_path_buf(), CONFIG_DIR.into())];
        Self { name: "l1", image: (ANVIL_IMAGE.0.into(), ANVIL_IMAGE.1.into()), command, env: BTreeMap::new(), mounts }
    }

    fn default_l2(spec: &NetworkSpec, spec_path: &Path, l1_rpc: &str, port: u16, clock: ClockMode) -> Result<Self, BackendError> {
        let spec_path = std::path::absolute(spec_path).map_err(BackendError::Io)?;
        let folder = spec_path.parent().expect("a spec file has a folder").to_path_buf();
        let inside = format!("{SPEC_DIR}/{}", spec_path.file_name().expect("a file name").to_string_lossy());
        let mut command = vec!["/bin/harness".to_owned()];
        command.extend(node_args(&inside, l1_rpc, port, clock, "/tmp/ready"));
        let mut launch = Self {
            name: "l2",
            image: (NODE_IMAGE.0.into(), NODE_IMAGE.1.into()),
            command,
            env: BTreeMap::new(),
            mounts: vec![(folder, SPEC_DIR.into())],
        };
        // The official data the spec points at, mounted where the environment tells the node.
        let data = [
            (spec.data.nuts_dir(spec.folder()), NUTS_ENV, "/data/nuts"),
            (spec.data.deployments_dir(spec.folder()), DEPLOYMENTS_ENV, "/data/deployments"),
        ];
        for (dir, env, inside) in data.into_iter().filter_map(|(dir, env, inside)| Some((dir?, env, inside))) {
            launch.mounts.push((std::fs::canonicalize(dir).map_err(BackendError::Io)?, inside.into()));
            launch.env.insert(env.into(), inside.into());
        }
        Ok(launch)
    }

    /// A spec-named role, its templates filled in.
    fn custom(name: &'static str, role: &ContainerRole, values: &[(&str, String)], config: &Path) -> Self {
        let (image, tag) = role.image.rsplit_once(':').unwrap_or((&role.image, "latest"));
        let mut mounts: Vec<(PathBuf, String)> = role.mounts.iter().map(|m| (m.source.clone(), m.target.clone())).collect();
        mounts.push((config.to_path_buf(), CONFIG_DIR.into()));
        Self {
            name,
            image: (image.to_owned(), tag.to_owned()),
            command: role.command.iter().map(|c| fill(c, values)).collect(),
            env: role.env.iter().map(|(k, v)| (k.clone(), fill(v, values))).collect(),
            mounts,
        }
    }

    async fn start(self, run: &str, logs: &Path) -> Result<ContainerAsync<GenericImage>, BackendError> {
        let log = Arc::new(Mutex::new(std::fs::File::create(logs.join(format!("{}.log", self.name))).map_err(BackendError::Io)?));
        let (entry, args) = self.command.split_first().ok_or_else(|| BackendError::Start(format!("the {} role has no command", self.name)))?;
        let mut request = GenericImage::new(self.image.0.clone(), self.image.1.clone())
            .with_entrypoint(entry)
            .with_cmd(args.to_vec())
            .with_network("host")
            .with_label(RUN_LABEL, run)
            .with_log_consumer(move |frame: &LogFrame| {
                let bytes = match frame {
                    LogFrame::StdOut(b) | LogFrame::StdErr(b) => b,
                };
                // A log line that cannot be written is not worth failing the network for.
                let _ = log.lock().map(|mut f| f.write_all(bytes));
            });
        for (key, value) in self.env {
            request = request.with_env_var(key, value);
        }
        for (source, target) in self.mounts {
            request = request.with_mount(Mount::bind_mount(source.to_string_lossy(), target));
        }
        request
            .start()
            .await
            .map_err(|e| BackendError::Start(format!("starting {}:{} (built by scripts/build-images?): {e}", self.image.0, self.image.1)))
    }
}

/// A running container network. Dropping it removes the containers.
pub struct ContainerNetwork {
    pub l1_rpc: String,
    pub l2_rpc: String,
    containers: Vec<ContainerAsync<GenericImage>>,
}

impl ContainerNetwork {
    /// Removes the containers, L2 first, and waits for Docker to confirm.
    pub async fn stop(self) -> Result<(), BackendError> {
        for container in self.containers {
            container.rm().await.map_err(|e| BackendError::Start(format!("removing a container: {e}")))?;
        }
        Ok(())
    }

    pub async fn start(spec: &NetworkSpec, spec_path: &Path, clock: ClockMode, run: &str) -> Result<Self, BackendError> {
        let logs = logs_dir(run)?;
        let config = std::path::absolute(logs.parent().expect("logs sit in the run folder").join("config")).map_err(BackendError::Io)?;
        let (l1_port, l2_port) = (free_port()?, free_port()?);
        let (l1_rpc, l2_rpc) = (loopback_url(l1_port), loopback_url(l2_port));
        let values = [
            ("rpc_port", l2_port.to_string()),
            ("l1_rpc", l1_rpc.clone()),
            ("chain_id", spec.l2[0].chain_id.to_string()),
            ("config_dir", CONFIG_DIR.to_owned()),
        ];
        write_configs(spec, &config)?;
        let l1_values = [("rpc_port", l1_port.to_string()), ("chain_id", spec.l1.chain_id.to_string()), ("config_dir", CONFIG_DIR.to_owned())];
        let l1_launch = match &spec.container.l1 {
            Some(role) => Launch::custom("l1", role, &l1_values, &config),
            None => Launch::default_l1(spec, l1_port, &config, clock),
        };
        let l1 = l1_launch.start(run, &logs).await?;
        wait_for_chain(&l1_rpc, spec.l1.chain_id, ready_deadline(spec.l1.block_time), "the L1 container").await?;
        let l2_launch = match &spec.container.l2 {
            Some(role) => Launch::custom("l2", role, &values, &config),
            None => Launch::default_l2(spec, spec_path, &l1_rpc, l2_port, clock)?,
        };
        let l2 = l2_launch.start(run, &logs).await?;
        let block_time = spec.l2[0].block_time;
        wait_for_chain(&l2_rpc, spec.l2[0].chain_id, ready_deadline(block_time), "the L2 container").await?;
        wait_for_blocks(&l2_rpc, block_time, ready_deadline(block_time)).await?;
        Ok(Self { l1_rpc, l2_rpc, containers: vec![l2, l1] })
    }
}
