//! The TCP connector of the upstream client: awc's own, plus `TCP_NODELAY`.
//!
//! awc leaves Nagle's algorithm on. A request larger than one segment then ends in a partial
//! segment that waits for the ACK of the previous one, which the instance may delay (40 ms on
//! Linux): a proxy must not add that to every mid-sized POST. The connection is made by the same
//! `actix-tls` connector awc uses by default; only the option is added.

use std::task::{Context, Poll};

use actix_rt::net::TcpStream;
use actix_service::Service;
use actix_tls::connect::{ConnectError, ConnectInfo, Connection, Connector, ConnectorService};
use actix_web::http::Uri;
use futures_util::future::LocalBoxFuture;

#[derive(Clone, Default)]
pub(crate) struct NoDelayConnector {
    inner: ConnectorService,
}

impl NoDelayConnector {
    pub(crate) fn new() -> Self {
        Self {
            inner: Connector::default().service(),
        }
    }
}

impl Service<ConnectInfo<Uri>> for NoDelayConnector {
    type Response = Connection<Uri, TcpStream>;
    type Error = ConnectError;
    // One allocation per new connection, not per request: connections are pooled.
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::<ConnectInfo<Uri>>::poll_ready(&self.inner, cx)
    }

    fn call(&self, req: ConnectInfo<Uri>) -> Self::Future {
        let connecting = self.inner.call(req);
        Box::pin(async move {
            let connection = connecting.await?;
            if let Err(e) = connection.io_ref().set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY on an upstream connection");
            }
            Ok(connection)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn connections_have_nodelay() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let uri: Uri = format!("http://{addr}/").parse().unwrap();
        let connector = NoDelayConnector::new();
        let connection = connector.call(ConnectInfo::new(uri)).await.unwrap();
        assert!(connection.io_ref().nodelay().unwrap());
        assert_eq!(connection.io_ref().peer_addr().unwrap(), addr);
    }
}
