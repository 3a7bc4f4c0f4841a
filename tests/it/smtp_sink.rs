//! A real SMTP server on loopback that keeps what it accepts. A message counts as delivered
//! only once the sink has answered 250 to its DATA, as in SMTP; `data_delay` holds that answer
//! so a test can kill a sender mid-send.

use std::{sync::Arc, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::Mutex,
};

#[derive(Clone, Default)]
pub struct SmtpSink {
    pub addr: String,
    accepted: Arc<Mutex<Vec<String>>>,
    data_delay: Arc<Mutex<Duration>>,
    data_started: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let sink = Self { addr: listener.local_addr().unwrap().to_string(), ..Self::default() };
        let this = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let this = this.clone();
                tokio::spawn(async move {
                    let _ = this.session(stream).await;
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub async fn set_data_delay(&self, delay: Duration) {
        *self.data_delay.lock().await = delay;
    }

    /// How many DATA phases have begun (delivered or not).
    pub fn data_started(&self) -> usize {
        self.data_started.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Raw messages accepted so far.
    pub async fn messages(&self) -> Vec<String> {
        self.accepted.lock().await.clone()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" => write.write_all(b"250-sink.test\r\n250 8BITMIME\r\n").await?,
                "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => write.write_all(b"250 OK\r\n").await?,
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                "DATA" => {
                    self.data_started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    write.write_all(b"354 go ahead\r\n").await?;
                    let mut message = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(()); // connection lost mid-message: nothing delivered
                        }
                        if line == ".\r\n" {
                            break;
                        }
                        message.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
                    }
                    let delay = *self.data_delay.lock().await;
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                        // A sender that died while we waited never sees our 250: not delivered.
                        let mut probe = String::new();
                        if let Ok(Ok(0) | Err(_)) =
                            tokio::time::timeout(Duration::from_millis(20), lines.read_line(&mut probe)).await
                        {
                            return Ok(());
                        }
                    }
                    write.write_all(b"250 queued\r\n").await?;
                    write.flush().await?;
                    self.accepted.lock().await.push(message);
                }
                _ => write.write_all(b"502 not implemented\r\n").await?,
            }
        }
    }
}
