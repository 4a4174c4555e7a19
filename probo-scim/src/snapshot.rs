//! The client's record of the SCIM users it has seen: what lets a create tell a rename
//! from a new user without listing every user first.
//!
//! Probo answers `POST /Users` with 201 whether it made a new user, took over a profile
//! or renamed the user holding the `externalId` (research §5). Its answer alone cannot
//! say which user was renamed from which email, and its `externalId` filter is refused,
//! so the only way to know the previous holder is a full listing. The client keeps the
//! last complete listing (taken by `UserDirectory::list_users` or by the first create
//! that needs one) and updates it with every user Probo answers a write with, so a batch
//! of creates costs one listing, not one per create.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use scim_types::User;
use tokio::time::Instant;

/// How long a listing is trusted as the record of who exists before a create with an
/// `externalId` lists again.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(15 * 60);

/// One SCIM user as last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Its `userName` (email).
    pub(crate) user_name: String,
}

struct Snapshot {
    taken: Instant,
    /// id → what it was.
    by_id: HashMap<String, Seen>,
}

/// Shared by a client's clones.
#[derive(Clone, Default)]
pub(crate) struct SnapshotCache {
    inner: Arc<Mutex<Option<Snapshot>>>,
}

impl SnapshotCache {
    fn lock(&self) -> MutexGuard<'_, Option<Snapshot>> {
        // The data is a cache of facts: a panic elsewhere cannot leave it unusable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a complete listing younger than [`MAX_AGE`] is held.
    pub(crate) fn is_fresh(&self) -> bool {
        self.lock()
            .as_ref()
            .is_some_and(|s| s.taken.elapsed() <= MAX_AGE)
    }

    /// Replaces the record with a complete listing.
    pub(crate) fn replace(&self, users: &[User]) {
        let by_id = users
            .iter()
            .filter_map(|u| {
                let id = u.id.as_ref()?.as_str().to_owned();
                Some((
                    id,
                    Seen {
                        user_name: u.user_name.clone(),
                    },
                ))
            })
            .collect();
        *self.lock() = Some(Snapshot {
            taken: Instant::now(),
            by_id,
        });
    }

    /// The user with this id as last seen, if it was seen as a SCIM user.
    pub(crate) fn seen(&self, id: &str) -> Option<Seen> {
        self.lock().as_ref()?.by_id.get(id).cloned()
    }

    /// Records a user as Probo answered it (after a write or a read). Does not make the
    /// record fresher: only a complete listing does.
    pub(crate) fn observe(&self, user: &User) {
        let mut guard = self.lock();
        let (Some(snapshot), Some(id)) = (guard.as_mut(), user.id.as_ref()) else {
            return;
        };
        snapshot.by_id.insert(
            id.as_str().to_owned(),
            Seen {
                user_name: user.user_name.clone(),
            },
        );
    }

    /// Forgets a user that is gone.
    pub(crate) fn forget(&self, id: &str) {
        if let Some(s) = self.lock().as_mut() {
            s.by_id.remove(id);
        }
    }
}
