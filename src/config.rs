//! Configuration from the environment, with defaults that need no setup.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What the server is told by its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// An existing database to use; when absent a private cluster runs under `data_dir`.
    pub database_url: Option<String>,
    /// Where the private cluster (and later uploads) live.
    pub data_dir: PathBuf,
    /// Where to listen for HTTP.
    pub bind_addr: SocketAddr,
}

impl Config {
    /// Reads `DATABASE_URL`, `DATA_DIR` (default `./data`) and `BIND_ADDR` (default `127.0.0.1:8080`).
    pub fn from_env() -> Result<Self, String> {
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|s| !s.trim().is_empty());
        let data_dir = std::env::var_os("DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data"));
        let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
        let bind_addr = bind
            .parse()
            .map_err(|_| format!("BIND_ADDR {bind:?} is not an address such as 127.0.0.1:8080"))?;
        Ok(Self {
            database_url,
            data_dir,
            bind_addr,
        })
    }
}
