//! Keeping the private cluster up: a task checks every second that its postmaster is alive
//! and, when it is not (killed, crashed, out of memory), starts it again with backoff, logging
//! each attempt. Meanwhile the pool answers requests quickly with an error (a 503 page), and
//! its connections are made anew once the cluster is back.

use super::PrivateCluster;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the postmaster is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// The longest wait between two restart attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A private cluster under supervision; [`Supervised::stop`] ends both.
pub struct Supervised {
    cluster: Arc<Mutex<PrivateCluster>>,
    stopping: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Supervised {
    /// Starts watching `cluster`.
    pub fn new(cluster: PrivateCluster) -> Self {
        let cluster = Arc::new(Mutex::new(cluster));
        let stopping = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(watch(cluster.clone(), stopping.clone()));
        Self {
            cluster,
            stopping,
            task,
        }
    }

    /// Runs `f` on the cluster (its connection options, say).
    pub fn with<T>(&self, f: impl FnOnce(&PrivateCluster) -> T) -> T {
        f(&self.cluster.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Stops watching, then stops the cluster.
    pub async fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.task.abort();
        let cluster = self.cluster.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let mut cluster = cluster.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = cluster.stop() {
                tracing::warn!(error = %e, "could not stop the private PostgreSQL cluster");
            }
        })
        .await;
    }
}

async fn watch(cluster: Arc<Mutex<PrivateCluster>>, stopping: Arc<AtomicBool>) {
    let mut backoff = Duration::from_millis(500);
    let mut attempts = 0u32;
    loop {
        tokio::time::sleep(if attempts == 0 { CHECK_EVERY } else { backoff }).await;
        let cluster = cluster.clone();
        let stopping = stopping.clone();
        // pg_ctl blocks: off the async threads, under the lock that `stop` takes too, so a
        // restart never races a shutdown.
        let outcome = tokio::task::spawn_blocking(move || {
            let mut cluster = cluster.lock().unwrap_or_else(|e| e.into_inner());
            if stopping.load(Ordering::SeqCst) || cluster.is_alive() {
                return None;
            }
            Some(cluster.restart())
        })
        .await;
        match outcome {
            Ok(None) => {
                if attempts > 0 {
                    tracing::info!(attempts, "the private PostgreSQL cluster is running again");
                }
                attempts = 0;
                backoff = Duration::from_millis(500);
            }
            Ok(Some(Ok(()))) => {
                tracing::warn!(
                    failed_attempts = attempts,
                    "the private PostgreSQL cluster had stopped; restarted it"
                );
                attempts = 0;
                backoff = Duration::from_millis(500);
            }
            Ok(Some(Err(e))) => {
                attempts += 1;
                tracing::error!(attempts, error = %e, retry_in = ?backoff, "the private PostgreSQL cluster is down and could not be restarted");
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(_) => return, // cancelled at shutdown
        }
    }
}
