//! The two bodies, streamed chunk by chunk: the client's request body on its way to the
//! upstream (size limit, idle timeout), and the upstream's response body on its way back (idle
//! timeout). Neither is ever held whole.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

/// Why a body stream stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BodyFailure {
    #[error("the body is larger than the limit")]
    TooLarge,
    #[error("the body stalled longer than the idle timeout")]
    Idle,
    #[error("the body stream failed")]
    Broken,
}

/// How long a body has been waiting for its source. The clock runs only while the source is
/// pending and the body is being polled: a pause caused by the other side (the reader of this
/// body applying backpressure, or the connection still being made) never counts. Costs nothing
/// while data flows; the timer is made the first time the source waits and re-armed per wait.
struct Idle {
    limit: Duration,
    waiting_since: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Idle {
    fn new(limit: Duration) -> Self {
        Self {
            limit,
            waiting_since: None,
            timer: None,
        }
    }

    /// Data came: the current wait is over.
    fn touch(&mut self) {
        self.waiting_since = None;
    }

    /// The source is pending: true when this wait has lasted the limit; otherwise registers a
    /// wake-up for when it will have.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let now = Instant::now();
        let deadline = *self.waiting_since.get_or_insert(now) + self.limit;
        if now >= deadline {
            return true;
        }
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        timer.as_mut().poll(cx).is_ready()
    }
}

/// The client's request body as the upstream request's body.
pub(crate) struct RequestBody<S> {
    inner: S,
    size: BodySize,
    limit: u64,
    seen: u64,
    idle: Idle,
    /// Read by the forwarder when the upstream request fails, to answer 413/408/400 instead of 502.
    failure: Rc<Cell<Option<BodyFailure>>>,
}

impl<S> RequestBody<S> {
    pub(crate) fn new(
        inner: S,
        size: BodySize,
        limit: u64,
        idle: Duration,
        failure: Rc<Cell<Option<BodyFailure>>>,
    ) -> Self {
        Self {
            inner,
            size,
            limit,
            seen: 0,
            idle: Idle::new(idle),
            failure,
        }
    }

    fn fail(&mut self, why: BodyFailure) -> Poll<Option<Result<Bytes, BodyFailure>>> {
        self.failure.set(Some(why));
        Poll::Ready(Some(Err(why)))
    }
}

impl<S> MessageBody for RequestBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Error = BodyFailure;

    fn size(&self) -> BodySize {
        self.size
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.failure.get().is_some() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.seen += chunk.len() as u64;
                if this.seen > this.limit {
                    return this.fail(BodyFailure::TooLarge);
                }
                this.idle.touch();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(PayloadError::Overflow))) => this.fail(BodyFailure::TooLarge),
            Poll::Ready(Some(Err(_))) => this.fail(BodyFailure::Broken),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if this.idle.poll_expired(cx) {
                    this.fail(BodyFailure::Idle)
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

/// The upstream's response body as the client's response body.
pub(crate) struct ResponseBody<S> {
    inner: S,
    size: BodySize,
    idle: Idle,
    done: bool,
}

impl<S> ResponseBody<S> {
    pub(crate) fn new(inner: S, size: BodySize, idle: Duration) -> Self {
        Self {
            inner,
            size,
            idle: Idle::new(idle),
            done: false,
        }
    }
}

impl<S> MessageBody for ResponseBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Error = BodyFailure;

    fn size(&self) -> BodySize {
        self.size
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.idle.touch();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                // The status line is gone already: all that is left is to cut the connection.
                tracing::warn!(error = %e, "upstream response body broke off");
                this.done = true;
                Poll::Ready(Some(Err(BodyFailure::Broken)))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                if this.idle.poll_expired(cx) {
                    tracing::warn!("upstream response body stalled; connection cut");
                    this.done = true;
                    Poll::Ready(Some(Err(BodyFailure::Idle)))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::task::noop_waker_ref;

    #[actix_rt::test]
    async fn idle_time_counts_only_while_the_source_is_waited_for() {
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut idle = Idle::new(Duration::from_millis(50));
        idle.touch();
        // Not polled for twice the limit (the reader applied backpressure): no wait yet.
        std::thread::sleep(Duration::from_millis(100));
        assert!(!idle.poll_expired(&mut cx), "backpressure is not idleness");
        // Now the source is pending and stays so past the limit.
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(idle.poll_expired(&mut cx));
        // Data ends the wait; the next wait starts from zero.
        idle.touch();
        assert!(!idle.poll_expired(&mut cx));
    }
}
