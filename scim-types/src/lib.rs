//! SCIM 2.0 (RFC 7643 / RFC 7644) data types. Work in progress: see issue 3.
#![deny(missing_docs)]
