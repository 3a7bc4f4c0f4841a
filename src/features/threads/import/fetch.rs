//! One HTTP GET over a stream we opened ourselves to an address we checked.
//!
//! Why not reqwest: it cannot take our connector, only a resolver hook, and it skips that
//! hook for IP-literal hosts — so the address checks would be the only thing standing
//! between a crafted link and a real connection, and a bug in them would go unnoticed in
//! tests. Here the only way to a socket is `Connector::connect(checked address)`, so tests
//! that inject a loopback-only connector cannot open anything else even if a check breaks.

use super::{
    address::PublicAddr,
    error::ImportError,
    net::{BoxedIo, Connector},
    policy::ImportPolicy,
    target::{Host, Target},
};
use http_body_util::{BodyExt, Empty};
use hyper::{
    HeaderMap, Request, StatusCode,
    body::{Bytes, Incoming},
    header,
};
use hyper_util::rt::TokioIo;
use std::{net::SocketAddr, time::Duration};
use tokio_rustls::{TlsConnector, rustls::pki_types::ServerName};

/// One unanswering address must not use up the whole import's time when the name has others.
const CONNECT_ATTEMPT: Duration = Duration::from_secs(4);

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Incoming,
    _connection: ConnectionTask,
}

/// hyper's connection future runs beside the request; dropping the response (or the whole
/// import, on timeout) must close the socket, not leave the task reading.
struct ConnectionTask(tokio::task::JoinHandle<()>);

impl Drop for ConnectionTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn get(
    target: &Target,
    addrs: &[PublicAddr],
    connector: &dyn Connector,
    policy: &ImportPolicy,
) -> Result<Response, ImportError> {
    let stream = connect(addrs, target.port, connector).await?;
    let stream = if target.https { tls(stream, target, policy).await? } else { stream };

    let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(|_| ImportError::Protocol)?;
    let connection = ConnectionTask(tokio::spawn(async move {
        // Its errors reach us through `send_request` or the body.
        let _ = connection.await;
    }));

    let path = &target.url[url::Position::BeforePath..url::Position::AfterQuery];
    let request = Request::get(path)
        .header(header::HOST, target.host_header())
        .header(header::USER_AGENT, &policy.user_agent)
        .header(header::ACCEPT, "text/html,text/plain;q=0.9")
        // We do not decompress, so ask for the bytes as they are.
        .header(header::ACCEPT_ENCODING, "identity")
        .header(header::CONNECTION, "close")
        .body(Empty::new())
        .map_err(|_| ImportError::Protocol)?;
    let (parts, body) = sender.send_request(request).await.map_err(|_| ImportError::Protocol)?.into_parts();
    Ok(Response { status: parts.status, headers: parts.headers, body, _connection: connection })
}

async fn connect(addrs: &[PublicAddr], port: u16, connector: &dyn Connector) -> Result<BoxedIo, ImportError> {
    for addr in addrs {
        if let Ok(Ok(stream)) =
            tokio::time::timeout(CONNECT_ATTEMPT, connector.connect(SocketAddr::new(addr.ip(), port))).await
        {
            return Ok(stream);
        }
    }
    Err(ImportError::Connect)
}

async fn tls(stream: BoxedIo, target: &Target, policy: &ImportPolicy) -> Result<BoxedIo, ImportError> {
    // SNI and certificate check against the name in the link (or its address, for literals).
    let server_name = match &target.host {
        Host::Name(name) => ServerName::try_from(name.clone()).map_err(|_| ImportError::InvalidUrl)?,
        Host::Addr(addr) => ServerName::IpAddress(addr.ip().into()),
    };
    let stream =
        TlsConnector::from(policy.tls.clone()).connect(server_name, stream).await.map_err(|_| ImportError::Tls)?;
    Ok(Box::new(stream))
}

impl Response {
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, refused as soon as it passes `max` bytes: a declared length over the cap is
    /// refused before reading, and a streamed body is never buffered past it.
    pub async fn body_capped(mut self, max: usize) -> Result<Vec<u8>, ImportError> {
        let too_large = ImportError::TooLarge { max_bytes: max };
        let declared = self.header(header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(too_large);
        }
        let mut body = Vec::with_capacity(declared.map_or(16 * 1024, |len| len as usize));
        while let Some(frame) = self.body.frame().await {
            let frame = frame.map_err(|_| ImportError::Protocol)?;
            if let Ok(chunk) = frame.into_data() {
                if body.len() + chunk.len() > max {
                    return Err(too_large);
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok(body)
    }
}
