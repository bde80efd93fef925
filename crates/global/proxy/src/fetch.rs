//! A small, blocking HTTP/1.1 `GET` to a checked [`Upstream`], for the global service's own
//! requests to instances (the public label page). It runs on a blocking thread (the
//! application's ports are synchronous), speaks plain HTTP like the proxy, and is bounded in
//! every way: connect timeout, one deadline for the whole exchange, largest response.
//!
//! Only an [`Upstream`] can be fetched, so the proxy's address policy applies (loopback,
//! private, link-local, metadata and reserved addresses refused unless allowed).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::policy::AddressPolicy;
use crate::upstream::{Scheme, Upstream};

/// Limits of one fetch.
#[derive(Clone, Copy, Debug)]
pub struct FetchLimits {
    pub connect_timeout: Duration,
    /// For the whole exchange after connecting: sending, waiting, reading.
    pub total_timeout: Duration,
    /// Largest response (status line, headers and body), in bytes.
    pub max_response: usize,
}

/// A fetched response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("upstream refused by the address policy: {0:?}")]
    Refused(crate::policy::Refusal),
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    #[error("connecting: {0}")]
    Connect(std::io::Error),
    #[error("exchange: {0}")]
    Io(std::io::Error),
    #[error("no answer within the time limit")]
    Timeout,
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    #[error("malformed response: {0}")]
    Malformed(&'static str),
}

/// `GET path` at `ip:port` over plain HTTP with `headers`, if `policy` allows the address.
/// Header names and values, and the path, must be printable ASCII without spaces (the path)
/// or line breaks (all).
pub fn get(
    policy: &AddressPolicy,
    ip: std::net::IpAddr,
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    limits: FetchLimits,
) -> Result<Fetched, FetchError> {
    let upstream = Upstream::new(Scheme::Http, ip, port, policy).map_err(FetchError::Refused)?;
    let printable = |s: &str| s.bytes().all(|b| (0x20..0x7f).contains(&b));
    if !path.starts_with('/') || path.contains(' ') || !printable(path) {
        return Err(FetchError::InvalidRequest("path"));
    }
    if headers
        .iter()
        .any(|(n, v)| n.is_empty() || n.contains(':') || !printable(n) || !printable(v))
    {
        return Err(FetchError::InvalidRequest("header"));
    }
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: eckwms-global\r\n\
         Accept: application/json\r\nConnection: close\r\n",
        upstream.authority()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");

    let mut stream = TcpStream::connect_timeout(&upstream.addr(), limits.connect_timeout)
        .map_err(FetchError::Connect)?;
    let deadline = Instant::now() + limits.total_timeout;
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(FetchError::Timeout)
    };
    stream.set_nodelay(true).map_err(FetchError::Io)?;
    stream
        .set_write_timeout(Some(remaining()?))
        .map_err(FetchError::Io)?;
    stream
        .write_all(request.as_bytes())
        .map_err(timeout_or_io)?;
    let mut response = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    loop {
        stream
            .set_read_timeout(Some(remaining()?))
            .map_err(FetchError::Io)?;
        let n = stream.read(&mut chunk).map_err(timeout_or_io)?;
        if n == 0 {
            break;
        }
        if response.len() + n > limits.max_response {
            return Err(FetchError::TooLarge(limits.max_response));
        }
        response.extend_from_slice(&chunk[..n]);
        // A complete response with a Content-Length need not wait for the close.
        if let Some(done) = parse(&response)?
            && done.complete
        {
            return Ok(done.fetched);
        }
    }
    match parse(&response)? {
        Some(done) if done.complete || done.to_eof => Ok(done.fetched),
        _ => Err(FetchError::Malformed(
            "the connection closed before the response ended",
        )),
    }
}

fn timeout_or_io(e: std::io::Error) -> FetchError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => FetchError::Timeout,
        _ => FetchError::Io(e),
    }
}

struct Parsed {
    fetched: Fetched,
    /// The whole body is here (Content-Length reached, or the last chunk seen).
    complete: bool,
    /// The body runs to the end of the connection (neither length nor chunks).
    to_eof: bool,
}

/// The response so far: `None` while the head is incomplete.
fn parse(bytes: &[u8]) -> Result<Option<Parsed>, FetchError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(FetchError::Malformed("status line or headers")),
    };
    let status = response.code.ok_or(FetchError::Malformed("status"))?;
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let rest = &bytes[head_len..];
    if header("transfer-encoding").is_some_and(|te| te.ends_with("chunked")) {
        return Ok(dechunk(rest)?
            .map(|body| Parsed {
                fetched: Fetched { status, body },
                complete: true,
                to_eof: false,
            })
            .or(Some(Parsed {
                fetched: Fetched {
                    status,
                    body: Vec::new(),
                },
                complete: false,
                to_eof: false,
            })));
    }
    if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| FetchError::Malformed("content-length"))?;
        let complete = rest.len() >= length;
        return Ok(Some(Parsed {
            fetched: Fetched {
                status,
                body: rest[..rest.len().min(length)].to_vec(),
            },
            complete,
            to_eof: false,
        }));
    }
    Ok(Some(Parsed {
        fetched: Fetched {
            status,
            body: rest.to_vec(),
        },
        complete: false,
        to_eof: true,
    }))
}

/// The body of a chunked message, or `None` while the last chunk has not arrived.
fn dechunk(mut bytes: &[u8]) -> Result<Option<Vec<u8>>, FetchError> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = bytes.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&bytes[..line_end])
            .map_err(|_| FetchError::Malformed("chunk size"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| FetchError::Malformed("chunk size"))?;
        bytes = &bytes[line_end + 2..];
        if size == 0 {
            return Ok(Some(body));
        }
        if bytes.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;

    use super::*;

    fn limits() -> FetchLimits {
        FetchLimits {
            connect_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_millis(800),
            max_response: 4096,
        }
    }

    fn loopback() -> AddressPolicy {
        AddressPolicy {
            allow_loopback: true,
            ..AddressPolicy::default()
        }
    }

    /// A one-shot server: reads the request head, answers `reply` (after `delay`), returns
    /// the head it read.
    fn serve_once(reply: &'static [u8], delay: Duration) -> (u16, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                head.push_str(&line);
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            std::thread::sleep(delay);
            let mut stream = stream;
            let _ = stream.write_all(reply);
            head
        });
        (port, handle)
    }

    #[test]
    fn fetches_with_length_chunks_or_to_the_end() {
        for (reply, body) in [
            (
                &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"[..],
                &b"hello"[..],
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
                b"hello",
            ),
            (b"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nnope", b"nope"),
        ] {
            let (port, server) = serve_once(reply, Duration::ZERO);
            let got = get(
                &loopback(),
                [127, 0, 0, 1].into(),
                port,
                "/ECK/API/PUBLIC/i000000000000000001",
                &[("X-Test", "1")],
                limits(),
            )
            .unwrap();
            assert_eq!(got.body, body);
            let head = server.join().unwrap();
            assert!(head.starts_with("GET /ECK/API/PUBLIC/i000000000000000001 HTTP/1.1\r\n"));
            assert!(head.contains(&format!("Host: 127.0.0.1:{port}\r\n")));
            assert!(head.contains("X-Test: 1\r\n"));
        }
    }

    #[test]
    fn refusals_and_limits() {
        // Loopback refused by the default policy: nothing is sent.
        assert!(matches!(
            get(
                &AddressPolicy::default(),
                [127, 0, 0, 1].into(),
                1,
                "/",
                &[],
                limits()
            ),
            Err(FetchError::Refused(_))
        ));
        assert!(matches!(
            get(
                &loopback(),
                [169, 254, 169, 254].into(),
                80,
                "/",
                &[],
                limits()
            ),
            Err(FetchError::Refused(_))
        ));
        // Injected line breaks.
        assert!(matches!(
            get(
                &loopback(),
                [127, 0, 0, 1].into(),
                1,
                "/a\r\nX: y",
                &[],
                limits()
            ),
            Err(FetchError::InvalidRequest("path"))
        ));
        assert!(matches!(
            get(
                &loopback(),
                [127, 0, 0, 1].into(),
                1,
                "/",
                &[("X", "a\r\nY: b")],
                limits()
            ),
            Err(FetchError::InvalidRequest("header"))
        ));
        // A slow upstream: the deadline, not the upstream, ends the wait.
        let (port, _server) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            Duration::from_secs(3),
        );
        let started = Instant::now();
        assert!(matches!(
            get(&loopback(), [127, 0, 0, 1].into(), port, "/", &[], limits()),
            Err(FetchError::Timeout)
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
        // Too large.
        static BIG: std::sync::LazyLock<&'static [u8]> = std::sync::LazyLock::new(|| {
            let mut reply = b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n".to_vec();
            reply.extend(std::iter::repeat_n(b'x', 10000));
            Box::leak(reply.into_boxed_slice())
        });
        let (port, _server) = serve_once(&BIG, Duration::ZERO);
        assert!(matches!(
            get(&loopback(), [127, 0, 0, 1].into(), port, "/", &[], limits()),
            Err(FetchError::TooLarge(4096))
        ));
        // A port nobody listens on.
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(matches!(
            get(
                &loopback(),
                [127, 0, 0, 1].into(),
                closed,
                "/",
                &[],
                limits()
            ),
            Err(FetchError::Connect(_))
        ));
    }
}
