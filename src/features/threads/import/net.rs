//! The two ways the importer touches the network, both injectable: name → addresses, and
//! address → byte stream. Tests replace both so nothing leaves loopback even if the address
//! checks were broken.

use async_trait::async_trait;
use std::{
    io,
    net::{IpAddr, SocketAddr},
};
use tokio::io::{AsyncRead, AsyncWrite};

/// A connected byte stream (TCP in production, anything in tests).
pub trait AsyncIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncIo for T {}
pub type BoxedIo = Box<dyn AsyncIo>;

#[async_trait]
pub trait Resolver: Send + Sync {
    /// Every address of `host`; the importer checks all of them before connecting to any.
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>>;
}

#[async_trait]
pub trait Connector: Send + Sync {
    /// Called only with addresses that passed the checks.
    async fn connect(&self, addr: SocketAddr) -> io::Result<BoxedIo>;
}

/// The operating system's resolver (getaddrinfo on a blocking thread, through tokio).
pub struct SystemResolver;

#[async_trait]
impl Resolver for SystemResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.map(|a| a.ip()).collect())
    }
}

/// Plain TCP.
pub struct TcpConnector;

#[async_trait]
impl Connector for TcpConnector {
    async fn connect(&self, addr: SocketAddr) -> io::Result<BoxedIo> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Box::new(stream))
    }
}
