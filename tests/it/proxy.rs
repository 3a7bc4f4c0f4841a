//! A TCP proxy between the app and PostgreSQL that a test can cut and restore:
//! a real network outage, not a mock.

use std::{net::SocketAddr, sync::Arc};
use tokio::{
    net::{TcpSocket, TcpStream},
    sync::Mutex,
    task::JoinHandle,
};

pub struct OutageProxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl OutageProxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        let addr = probe.local_addr().expect("addr");
        drop(probe);
        let proxy = Self { addr, upstream, tasks: Arc::new(Mutex::new(Vec::new())) };
        proxy.up().await;
        proxy
    }

    /// Starts accepting again on the same address.
    pub async fn up(&self) {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket.bind(self.addr).expect("rebind proxy port");
        let listener = socket.listen(128).expect("listen");
        let upstream = self.upstream;
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().await.push(pipe);
            }
        });
        self.tasks.lock().await.push(accept);
    }

    /// Closes the port and every open connection: the database "goes away".
    pub async fn down(&self) {
        for task in self.tasks.lock().await.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}
