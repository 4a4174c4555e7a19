//! What Proofpoint Essentials' statuses mean, applied to the shared error type: a hint in
//! every API error's message, and a typed [`ErrorCode`] where the answer has a meaning of
//! its own.

use std::fmt;

use idgraph_common::error::quote;
use idgraph_common::{ApiError, VendorCode};

use crate::model::PrimaryEmail;
use crate::{Error, Surface};

/// What a Proofpoint Essentials API error means, when the client can tell: read it with
/// [`Error::vendor_code`](idgraph_common::Error::vendor_code) (or
/// [`ApiError::vendor_code`]).
///
/// ```
/// use proofpoint_essentials::{Error, ErrorCode};
///
/// fn explain(err: &Error) -> String {
///     match err.vendor_code::<ErrorCode>() {
///         Some(ErrorCode::DomainNotRegistered { domain }) => {
///             format!("register {domain} in the admin console first")
///         }
///         _ => err.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The server refused the request (HTTP 400) because the email's domain is not
    /// registered in the organization. Domains cannot be registered through the API:
    /// register it in the Proofpoint Essentials admin console and try again.
    DomainNotRegistered {
        /// The domain the server refused.
        domain: String,
    },
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::DomainNotRegistered { domain } => write!(
                f,
                "the domain {} is not registered in this Proofpoint Essentials organization",
                quote(domain)
            ),
        }
    }
}

impl VendorCode for ErrorCode {}

/// The hint for a domain the organization has not registered.
fn domain_hint(domain: &str) -> String {
    format!(
        "the domain {} is not registered in this Proofpoint Essentials organization; register it in the Proofpoint Essentials admin console (domains cannot be registered through the API) and try again",
        quote(domain)
    )
}

/// The app name used in [`Error::Unsupported`].
pub(crate) const APP: &str = "Proofpoint Essentials";

/// The transport's error hook for a surface: what a status means for this API.
pub(crate) fn hook(surface: Surface) -> impl Fn(&mut ApiError) + Send + Sync + 'static {
    move |api: &mut ApiError| {
        let hint = match (surface, api.status()) {
            (Surface::RestV2, 401) => {
                "the API key or secret was refused; create a key under Settings > API Keys in the Proofpoint Essentials admin console"
            }
            (Surface::RestV2, 403) => "the API key's admin role does not allow this operation",
            (Surface::InterfaceV1, 401) => {
                "the X-User/X-Password credentials were refused; the account must be an organization or channel administrator"
            }
            (Surface::InterfaceV1, 403) => {
                "the account may not do this; it must be an administrator and not read-only"
            }
            (Surface::InterfaceV1, 404) if api.path().ends_with("/users") => {
                "the organization was not found on this stack; it may live on another stack (see ClientBuilder::discover)"
            }
            _ => return,
        };
        api.set_hint(hint);
    }
}

/// `true` when a 400 answer says the email's domain is not registered.
pub(crate) fn is_unregistered_domain(api: &ApiError) -> bool {
    if api.status() != 400 {
        return false;
    }
    let mentions = |s: Option<&str>| s.is_some_and(|s| s.to_ascii_lowercase().contains("domain"));
    mentions(api.code()) || mentions(api.message()) || mentions(Some(api.body_snippet()))
}

/// Marks a 400 "domain not registered" answer to a request about `email` with
/// [`ErrorCode::DomainNotRegistered`] and its hint; other errors are returned unchanged.
pub(crate) fn for_email(err: Error, email: &PrimaryEmail) -> Error {
    match err {
        Error::Api(mut api) if is_unregistered_domain(&api) => {
            mark_unregistered(&mut api, email.domain());
            Error::Api(api)
        }
        other => other,
    }
}

/// Sets the domain code and hint on an API error.
pub(crate) fn mark_unregistered(api: &mut ApiError, domain: &str) {
    api.set_hint(domain_hint(domain));
    api.set_vendor_code(ErrorCode::DomainNotRegistered {
        domain: domain.to_owned(),
    });
}

/// The error for a groups operation on the interface API.
pub(crate) fn no_groups(operation: &'static str) -> Error {
    Error::unsupported(
        APP,
        operation,
        "the Essentials interface API has no groups resource; manage group-like policy through the organization's Azure AD/Entra or LDAP sync settings in the admin console, or use a client built for the REST surface",
    )
}
