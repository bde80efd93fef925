//! Turns of the service calls: the limit holds, waiting calls go in arrival order, and a call
//! keeps its turn until it has finished, even when its request is dropped.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use futures_util::future::join_all;

use super::Mocks;
use crate::Calls;

fn calls(limit: usize) -> Calls {
    let mut mocks = Mocks::new();
    mocks.settings.concurrent_calls = limit;
    mocks.state().calls
}

#[actix_rt::test]
async fn a_call_that_gets_no_turn_in_time_is_unavailable() {
    let mut mocks = Mocks::new();
    mocks.settings.concurrent_calls = 1;
    mocks.settings.turn_wait = Duration::from_millis(50);
    let calls = mocks.state().calls;
    let (finish, finishing) = mpsc::channel::<()>();
    let busy = actix_rt::spawn({
        let calls = calls.clone();
        async move {
            calls
                .run(move |_| {
                    finishing.recv_timeout(Duration::from_secs(30)).unwrap();
                    Ok(())
                })
                .await
        }
    });
    actix_rt::time::sleep(Duration::from_millis(20)).await;
    let refused = calls.run(|_| Ok(())).await.unwrap_err();
    assert_eq!(refused.status().as_u16(), 503);
    assert_eq!(refused.code(), "unavailable");
    finish.send(()).unwrap();
    busy.await.unwrap().unwrap();
    // The turn came back: the next call runs.
    calls.run(|_| Ok(())).await.unwrap();
}

#[actix_rt::test]
async fn no_more_calls_run_at_once_than_the_limit() {
    let calls = calls(2);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    join_all((0..8).map(|_| {
        let (running, most) = (running.clone(), most.clone());
        calls.run(move |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(30));
            running.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        })
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<()>, _>>()
    .unwrap();
    // Two at once (the limit), not one after the other.
    assert_eq!(most.load(Ordering::SeqCst), 2);
}

#[actix_rt::test]
async fn waiting_calls_run_in_the_order_they_came() {
    let calls = calls(1);
    let order = Arc::new(Mutex::new(Vec::new()));
    join_all((0..10).map(|i| {
        let order = order.clone();
        calls.run(move |_| {
            order.lock().unwrap().push(i);
            // Long enough for all the others to be waiting.
            std::thread::sleep(Duration::from_millis(5));
            Ok(())
        })
    }))
    .await
    .into_iter()
    .collect::<Result<Vec<()>, _>>()
    .unwrap();
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
}

#[actix_rt::test]
async fn a_dropped_request_keeps_its_turn_until_its_call_ends() {
    let calls = calls(1);
    let (finish, finishing) = mpsc::channel::<()>();
    let first_done = Arc::new(AtomicBool::new(false));
    let done = first_done.clone();
    // The request is dropped (its client went away) while its call still runs.
    let dropped = actix_rt::time::timeout(
        Duration::from_millis(50),
        calls.run(move |_| {
            finishing.recv_timeout(Duration::from_secs(30)).unwrap();
            done.store(true, Ordering::SeqCst);
            Ok(())
        }),
    )
    .await;
    assert!(dropped.is_err(), "the first call ended early");
    let second = actix_rt::spawn({
        let calls = calls.clone();
        let first_done = first_done.clone();
        async move {
            calls
                .run(move |_| Ok(first_done.load(Ordering::SeqCst)))
                .await
        }
    });
    actix_rt::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !second.is_finished(),
        "the second call ran beside the first"
    );
    finish.send(()).unwrap();
    // It ran, and only after the first had finished.
    assert!(second.await.unwrap().unwrap());
}
