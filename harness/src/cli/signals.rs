//! The signals that end a foreground run. Handlers are installed before anything starts, so a
//! signal that arrives early still ends the run cleanly instead of killing the process with
//! its children and containers left behind.
//!
//! They live on a thread of their own with its own small runtime, so they are heard even when
//! the main runtime is busy (building genesis, say). That thread is also the guarantee that the
//! process ends: if a clean stop has not finished [`GRACE`] after the first signal, or a second
//! signal comes, it exits at once with code 2.

use std::time::Duration;

use tokio::{
    signal::unix::{SignalKind, signal},
    sync::watch,
};

/// How long a clean stop may take before the process exits anyway. Under the 2 s in which every
/// harness process must be gone after SIGTERM.
pub const GRACE: Duration = Duration::from_millis(1500);

/// SIGINT and SIGTERM, caught from the moment this exists.
pub struct Shutdown {
    requested: watch::Receiver<bool>,
}

impl Shutdown {
    /// Installs the handlers and starts the watchdog thread. Callable from anywhere, also from
    /// inside an async runtime: the handlers live on the watchdog's own.
    pub fn install() -> std::io::Result<Self> {
        let (request, requested) = watch::channel(false);
        let (installed, outcome) = std::sync::mpsc::channel();
        std::thread::Builder::new().name("signals".into()).spawn(move || watch_signals(request, installed))?;
        outcome.recv().map_err(|_| std::io::Error::other("the signal thread ended before installing its handlers"))??;
        Ok(Self { requested })
    }

    /// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
    pub async fn wait(&mut self) {
        // The sender lives as long as the watchdog, which ends the process when it returns.
        let _ = self.requested.wait_for(|stop| *stop).await;
    }
}

/// The watchdog thread: reports whether the handlers are installed, then waits for a signal,
/// asks for a clean stop, and ends the process if that takes longer than [`GRACE`] or a second
/// signal comes.
fn watch_signals(request: watch::Sender<bool>, installed: std::sync::mpsc::Sender<std::io::Result<()>>) {
    let handlers = tokio::runtime::Builder::new_current_thread().enable_all().build().and_then(|runtime| {
        let signals = runtime.block_on(async { Ok::<_, std::io::Error>((signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?)) })?;
        Ok((runtime, signals))
    });
    let (runtime, (mut interrupt, mut terminate)) = match handlers {
        Ok(ready) => ready,
        Err(e) => {
            let _ = installed.send(Err(e));
            return;
        }
    };
    let _ = installed.send(Ok(()));
    runtime.block_on(async move {
        let mut next_signal = async || tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        };
        next_signal().await;
        request.send_replace(true);
        tokio::select! {
            () = tokio::time::sleep(GRACE) => eprintln!("error: not stopped {GRACE:?} after the signal; exiting now (`harness clean` removes anything left behind)"),
            () = next_signal() => eprintln!("error: second signal; exiting now (`harness clean` removes anything left behind)"),
        }
        std::process::exit(2);
    });
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn installs_from_inside_an_async_runtime() {
        // `harness run` installs its handlers while its runtime runs the suites.
        assert!(super::Shutdown::install().is_ok());
    }
}
