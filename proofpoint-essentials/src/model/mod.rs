//! The typed model shared by both API surfaces.

mod account;
mod email;
mod group;
mod kinds;
mod user;

pub use account::Me;
pub use email::PrimaryEmail;
pub use group::{Group, GroupId};
pub use kinds::{UserStatus, UserType};
pub use user::{NewUser, User};

pub(crate) use user::ListKey;
