//! What Proofpoint Essentials' statuses mean, applied to the shared error type.

use std::borrow::Cow;

use idgraph_common::ApiError;

use crate::model::PrimaryEmail;
use crate::{Error, Surface};

/// The app name used in [`Error::Unsupported`].
pub(crate) const APP: &str = "Proofpoint Essentials";

/// The transport's error hint for a surface: what a status means for this API.
pub(crate) fn hint(
    surface: Surface,
) -> impl Fn(&ApiError) -> Option<Cow<'static, str>> + Send + Sync + 'static {
    move |api: &ApiError| match (surface, api.status) {
        (Surface::RestV2, 401) => Some(Cow::Borrowed(
            "the API key or secret was refused; create a key under Settings > API Keys in the Proofpoint Essentials admin console",
        )),
        (Surface::RestV2, 403) => Some(Cow::Borrowed(
            "the API key's admin role does not allow this operation",
        )),
        (Surface::InterfaceV1, 401) => Some(Cow::Borrowed(
            "the X-User/X-Password credentials were refused; the account must be an organization or channel administrator",
        )),
        (Surface::InterfaceV1, 403) => Some(Cow::Borrowed(
            "the account may not do this; it must be an administrator and not read-only",
        )),
        (Surface::InterfaceV1, 404) if api.path.ends_with("/users") => Some(Cow::Borrowed(
            "the organization was not found on this stack; it may live on another stack (see ClientBuilder::discover)",
        )),
        _ => None,
    }
}

/// `true` when a 400 answer says the email's domain is not registered.
pub(crate) fn is_unregistered_domain(api: &ApiError) -> bool {
    if api.status != 400 {
        return false;
    }
    let mentions = |s: Option<&str>| s.is_some_and(|s| s.to_ascii_lowercase().contains("domain"));
    mentions(api.code()) || mentions(api.message()) || mentions(Some(&api.body_snippet))
}

/// Turns a 400 "domain not registered" answer to a request about `email` into
/// [`Error::DomainNotRegistered`]; other errors are returned unchanged.
pub(crate) fn for_email(err: Error, email: &PrimaryEmail) -> Error {
    match err {
        Error::Api(api) if is_unregistered_domain(&api) => Error::DomainNotRegistered {
            domain: email.domain().to_owned(),
            source: api,
        },
        other => other,
    }
}

/// The error for a groups operation on the interface API.
pub(crate) fn no_groups(operation: &'static str) -> Error {
    Error::unsupported(
        APP,
        operation,
        "the Essentials interface API has no groups resource; manage group-like policy through the organization's Azure AD/Entra or LDAP sync settings in the admin console, or use a client built for the REST surface",
    )
}
