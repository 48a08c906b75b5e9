//! The signals that end a foreground run. Handlers are installed before anything starts, so a
//! signal that arrives early still ends the run cleanly instead of killing the process with
//! its children and containers left behind.

use tokio::signal::unix::{Signal, SignalKind, signal};

/// SIGINT and SIGTERM, caught from the moment this exists.
pub struct Shutdown {
    interrupt: Signal,
    terminate: Signal,
}

impl Shutdown {
    /// Installs the handlers. Needs a Tokio runtime.
    pub fn install() -> std::io::Result<Self> {
        Ok(Self { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    /// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
    pub async fn wait(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
