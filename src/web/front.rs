//! The public listener. Rocket 0.5 serves HTTP/1.1 with no header, idle or body timeout and no
//! way to set one, so a client that opens a connection and stalls keeps it (and a file
//! descriptor) forever. `hearken serve` therefore runs Rocket on a loopback port of its own and
//! serves the configured address here, with timeouts, forwarding each request to Rocket:
//!
//! - a request's headers must arrive within the header timeout, counted from the connection's
//!   start or the previous response, which also closes idle keep-alive connections;
//! - a request's body must arrive within the body timeout (408 and the connection is closed);
//! - a response write that makes no progress for the body timeout (a client that stopped
//!   reading) closes the connection.
//!
//! Rocket sees every request come from loopback, so the front names the client's address in a
//! header carrying a per-process secret, which it removes from what clients send; only a request
//! with the secret is believed (see [`forwarded_peer`]).

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{Either, Full};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{CONNECTION, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rocket::tokio::net::{TcpListener, TcpStream};
use rocket::tokio::sync::Mutex;
use rocket::tokio::time::Sleep;

use super::unfinished;

/// The header in which the front tells Rocket the client's address: `<secret> <address>`.
pub const PEER_HEADER: &str = "x-hearken-peer";

/// How long clients may take; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header: Duration,
    pub body: Duration,
    /// Rocket's limit for urlencoded forms, in bytes: a form declared bigger is refused here
    /// with 413 before any of it is forwarded. Rocket would refuse it too, but it answers and
    /// closes while the client is still sending, and the front would then see a broken
    /// request rather than Rocket's 413.
    pub form_limit: u64,
}

/// The secret that proves a request came through this process's front.
fn secret() -> &'static str {
    static SECRET: OnceLock<String> = OnceLock::new();
    SECRET.get_or_init(|| {
        rand::random::<[u8; 24]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

/// The client address the front vouched for, when a request from loopback carries this
/// process's secret; `None` for anything else.
pub fn forwarded_peer(remote: IpAddr, header: Option<&str>) -> Option<IpAddr> {
    use subtle::ConstantTimeEq;
    if !remote.is_loopback() {
        return None;
    }
    let (given, address) = header?.split_once(' ')?;
    if !bool::from(given.as_bytes().ct_eq(secret().as_bytes())) {
        return None;
    }
    address.parse().ok()
}

/// Accepts connections on `listener` and forwards their requests to Rocket at `backend` until
/// `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    backend: SocketAddr,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    rocket::tokio::pin!(shutdown);
    loop {
        let accepted = rocket::tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                rocket::tokio::spawn(connection(stream, peer.ip(), backend, timeouts));
            }
            // Out of file descriptors and the like: wait a moment rather than spin.
            Err(e) => {
                log::warn!("cannot accept a connection: {e}");
                rocket::tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Deadline>;

async fn connection(stream: TcpStream, peer: IpAddr, backend: SocketAddr, timeouts: Timeouts) {
    let _ = stream.set_nodelay(true);
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    stream.set_write_timeout(Some(timeouts.body));
    // One connection to Rocket per client connection, made at its first request: an HTTP/1.1
    // connection carries one request at a time, so the two never wait for each other.
    let upstream: Arc<Mutex<Option<Sender>>> = Arc::default();
    let service = hyper::service::service_fn(move |request| {
        let upstream = upstream.clone();
        async move { Ok::<_, Infallible>(forward(request, peer, backend, timeouts, &upstream).await) }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header)
        .serve_connection(TokioIo::new(Box::pin(stream)), service)
        .await;
    if let Err(e) = served {
        log::debug!("connection from {peer} closed: {e}");
    }
}

type Reply = Response<Either<Watched, Full<Bytes>>>;

async fn forward(
    request: Request<Incoming>,
    peer: IpAddr,
    backend: SocketAddr,
    timeouts: Timeouts,
    upstream: &Mutex<Option<Sender>>,
) -> Reply {
    let (mut parts, body) = request.into_parts();
    // Whatever a client sent under this name is dropped; only the front's own value counts.
    parts.headers.remove(PEER_HEADER);
    match HeaderValue::from_str(&format!("{} {peer}", secret())) {
        Ok(value) => parts.headers.insert(PEER_HEADER, value),
        Err(_) => return status(StatusCode::INTERNAL_SERVER_ERROR),
    };
    if declares_form_over(&parts.headers, timeouts.form_limit) {
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let timed_out = Arc::new(AtomicBool::new(false));
    let body = Deadline {
        inner: body,
        sleep: Box::pin(rocket::tokio::time::sleep(timeouts.body)),
        timed_out: timed_out.clone(),
    };
    let mut upstream = upstream.lock().await;
    let sender = match ready(&mut upstream, backend).await {
        Ok(sender) => sender,
        Err(e) => {
            log::error!("cannot reach the application: {e}");
            return status(StatusCode::BAD_GATEWAY);
        }
    };
    match sender.send_request(Request::from_parts(parts, body)).await {
        Ok(mut response) => {
            let unfinished = response
                .headers_mut()
                .remove(unfinished::HEADER)
                .and_then(|id| id.to_str().ok().map(str::to_string));
            response.map(|inner| Either::Left(Watched { inner, unfinished }))
        }
        Err(_) if timed_out.load(Ordering::Relaxed) => status(StatusCode::REQUEST_TIMEOUT),
        Err(e) => {
            // A client that went away mid-body ends up here too; nobody is waiting then.
            log::debug!("forwarding a request failed: {e}");
            status(StatusCode::BAD_GATEWAY)
        }
    }
}

/// Whether a request says it carries an urlencoded form longer than `limit` bytes.
fn declares_form_over(headers: &hyper::HeaderMap, limit: u64) -> bool {
    let form = headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let length = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    form && length.is_some_and(|n| n > limit)
}

/// The connection to Rocket, made or remade when there is none or Rocket closed it.
async fn ready(
    upstream: &mut Option<Sender>,
    backend: SocketAddr,
) -> Result<&mut Sender, Box<dyn std::error::Error + Send + Sync>> {
    if let Some(sender) = upstream.as_mut()
        && sender.ready().await.is_ok()
    {
        return upstream.as_mut().ok_or_else(|| "no connection".into());
    }
    let stream = TcpStream::connect(backend).await?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    rocket::tokio::spawn(connection);
    sender.ready().await?;
    Ok(upstream.insert(sender))
}

/// An answer of the front itself; the connection is closed after it.
fn status(code: StatusCode) -> Reply {
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(
        code.canonical_reason().unwrap_or("Error"),
    ))));
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// A response body from Rocket that fails at its end when its producer left it unfinished
/// (see [`unfinished`]).
pub struct Watched {
    inner: Incoming,
    unfinished: Option<String>,
}

impl Body for Watched {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(None) => match self.unfinished.take() {
                Some(id) if unfinished::take(&id) => {
                    Poll::Ready(Some(Err("the response stopped before its end".into())))
                }
                _ => Poll::Ready(None),
            },
            Poll::Ready(Some(frame)) => Poll::Ready(Some(frame.map_err(Into::into))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.unfinished.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        // A client that left before the end: nobody will ask about this id again.
        if let Some(id) = self.unfinished.take() {
            unfinished::take(&id);
        }
    }
}

/// A request body that fails once its deadline has passed.
struct Deadline {
    inner: Incoming,
    sleep: Pin<Box<Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl Body for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err("the request body took too long".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_declared_over_the_limit_are_recognised() {
        let headers = |kind: &str, length: &str| {
            let mut headers = hyper::HeaderMap::new();
            headers.insert(
                hyper::header::CONTENT_TYPE,
                HeaderValue::from_str(kind).unwrap(),
            );
            headers.insert(
                hyper::header::CONTENT_LENGTH,
                HeaderValue::from_str(length).unwrap(),
            );
            headers
        };
        let form = "application/x-www-form-urlencoded; charset=utf-8";
        assert!(declares_form_over(&headers(form, "10485760"), 524_288));
        assert!(!declares_form_over(&headers(form, "524288"), 524_288));
        assert!(!declares_form_over(
            &headers("application/json", "10485760"),
            524_288
        ));
        assert!(!declares_form_over(&headers(form, "lots"), 524_288));
    }

    #[test]
    fn only_the_front_can_name_the_client() {
        let loopback: IpAddr = [127, 0, 0, 1].into();
        let client: IpAddr = [203, 0, 113, 7].into();
        let vouched = format!("{} {client}", secret());
        assert_eq!(forwarded_peer(loopback, Some(&vouched)), Some(client));
        assert_eq!(forwarded_peer(loopback, Some("guess 203.0.113.7")), None);
        assert_eq!(forwarded_peer(loopback, None), None);
        // The secret only counts on a connection from this machine.
        assert_eq!(forwarded_peer([10, 0, 0, 1].into(), Some(&vouched)), None);
    }
}
