//! A real SMTP server for the tests (`mailin-embedded`, on its own threads, on a port of
//! 127.0.0.1): what it received, parsed as a mail client would.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

/// A message as the relay received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

#[derive(Clone)]
struct Collect {
    inbox: Arc<Mutex<Vec<Received>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for Collect {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.from = from.to_owned();
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let parsed = mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("the message parses");
        self.inbox.lock().unwrap().push(Received {
            from: self.from.clone(),
            to: self.to.clone(),
            subject: parsed.subject().unwrap_or_default().to_owned(),
            body: parsed.body_text(0).unwrap_or_default().into_owned(),
        });
        mailin_embedded::response::OK
    }
}

/// A running relay.
pub struct Relay {
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl Relay {
    /// A port nothing listens on yet (the relay "down"); `start_on` it later.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    pub fn start() -> Relay {
        Relay::start_on(0)
    }

    /// Starts the relay on `port` of 127.0.0.1 (0: any free port). It runs until the test
    /// process ends.
    pub fn start_on(port: u16) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("relay port free");
        let addr = listener.local_addr().unwrap();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let handler = Collect {
            inbox: inbox.clone(),
            from: String::new(),
            to: vec![],
            data: vec![],
        };
        std::thread::spawn(move || {
            let mut server = mailin_embedded::Server::new(handler);
            server
                .with_name("relay.test")
                .with_ssl(mailin_embedded::SslConfig::None)
                .unwrap()
                .with_tcp_listener(listener);
            server.serve().ok();
        });
        Relay { addr, inbox }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// What reached `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }
}
