//! The service calls' turns as the instance answers them: a call that gets no turn in time is
//! 503 `unavailable`. (The turns themselves, their limit, order and a dropped request's turn,
//! are tested with `eckwms_http_kit::turns`.)

use std::sync::mpsc;
use std::time::Duration;

use super::Mocks;

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
