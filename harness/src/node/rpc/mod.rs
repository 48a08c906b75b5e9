//! The JSON-RPC server of each embedded node: HTTP on an ephemeral loopback port.

pub mod error;
pub mod eth;
pub mod op;
pub mod txpool;

use std::net::SocketAddr;

use jsonrpsee::{
    Methods,
    server::{Server, ServerConfig, ServerHandle},
};

/// A running server; dropping it stops it.
pub struct RpcServer {
    pub addr: SocketAddr,
    handle: ServerHandle,
}

impl RpcServer {
    /// Serves `methods` over HTTP on 127.0.0.1, at `port` or one the OS picks.
    pub async fn start(methods: impl Into<Methods>, port: Option<u16>) -> std::io::Result<Self> {
        let config = ServerConfig::builder()
            .http_only()
            .max_connections(1024)
            .max_response_body_size(256 * 1024 * 1024)
            .build();
        let server = Server::builder().set_config(config).build(("127.0.0.1", port.unwrap_or(0))).await?;
        let addr = server.local_addr()?;
        Ok(Self { addr, handle: server.start(methods) })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        // Already stopped is fine: the goal is that it is stopped.
        let _ = self.handle.stop();
    }
}
