//! The servers' request ids of the requests sent within a scope, for the audit trail.
//!
//! [`apply_audited`](crate::graph::apply_audited()) runs each change inside a collecting
//! scope, and the transport [`record`]s the request id of every answer it gets
//! (success or error), so an audit event names the requests that made the change
//! without the [`UserDirectory`](crate::graph::UserDirectory) trait returning them. A
//! task-local keeps concurrent changes apart; outside a scope, recording is a no-op (one
//! thread-local lookup).

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static REQUEST_IDS: RefCell<Vec<String>>;
}

/// Records a server's request id for the scope the current task runs in, if any.
///
/// [`HttpClient`](crate::HttpClient) does this itself for every answer; a
/// [`UserDirectory`](crate::graph::UserDirectory) built on another HTTP stack calls it
/// with the id of each answer (the value of its `x-request-id` header, say) so that its
/// changes are audited with their request ids too. Outside
/// [`apply_audited`](crate::graph::apply_audited()) it does nothing.
pub fn record(request_id: impl Into<String>) {
    // `try_with` fails only outside a scope: nothing to record then.
    let _ = REQUEST_IDS.try_with(|ids| ids.borrow_mut().push(request_id.into()));
}

/// Whether the current task runs inside a collecting scope: the transport reads the
/// headers for an id only then.
pub(crate) fn collecting() -> bool {
    REQUEST_IDS.try_with(|_| ()).is_ok()
}

/// Runs `fut` and returns its output with the request ids recorded while it ran, in
/// order.
pub(crate) async fn collect<F: Future>(fut: F) -> (F::Output, Vec<String>) {
    REQUEST_IDS
        .scope(RefCell::new(Vec::new()), async {
            let out = fut.await;
            let ids = REQUEST_IDS.with(|ids| std::mem::take(&mut *ids.borrow_mut()));
            (out, ids)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ids_recorded_in_a_scope_come_back_in_order_and_outside_nothing_is_kept() {
        record("outside");
        assert!(!collecting());
        let ((), ids) = collect(async {
            assert!(collecting());
            record("a");
            tokio::task::yield_now().await;
            record("b");
        })
        .await;
        assert_eq!(ids, ["a", "b"]);
        let ((), ids) = collect(async {}).await;
        assert!(ids.is_empty());
    }
}
