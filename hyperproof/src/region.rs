//! Hyperproof instances (regions) and their REST base URLs.

use std::fmt;
use std::str::FromStr;

use crate::Error;
use idgraph_common::error::quote;

/// The default OAuth2 token URL, for every region.
///
/// Hyperproof's OpenAPI specifications reportedly declare this US URL even for the EU and
/// Gov servers, and no regional `accounts.*` host is documented. If your instance uses
/// another one, set it with
/// [`RestClientBuilder::token_url`](crate::RestClientBuilder::token_url).
pub const DEFAULT_TOKEN_URL: &str = "https://accounts.hyperproof.app/oauth/token";

/// A Hyperproof instance. Select it with
/// [`RestClientBuilder::region`](crate::RestClientBuilder::region); for anything else
/// (the seed's `https://api.hyperproof.io/v1`, a proxy, a test server) use
/// [`RestClientBuilder::base_url`](crate::RestClientBuilder::base_url).
///
/// | Region | REST base URL |
/// |---|---|
/// | [`Us`](Region::Us) (default) | `https://api.hyperproof.app/v1` |
/// | [`Eu`](Region::Eu) | `https://api.hyperproof.eu/v1` |
/// | [`Gov`](Region::Gov) | `https://api.hyperproofgov.app/v1` |
///
/// The SCIM API has no regional URL: each organization gets its own, which is why
/// [`ScimClientBuilder::scim_url`](crate::ScimClientBuilder::scim_url) is required.
///
/// ```
/// use hyperproof::Region;
///
/// let region: Region = "eu".parse()?;
/// assert_eq!(region, Region::Eu);
/// assert_eq!(region.api_base_url(), "https://api.hyperproof.eu/v1");
/// assert_eq!(Region::default(), Region::Us);
/// # Ok::<(), hyperproof::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// The US instance (`hyperproof.app`).
    #[default]
    Us,
    /// The EU instance (`hyperproof.eu`).
    Eu,
    /// The US government instance (`hyperproofgov.app`).
    Gov,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 3] = [Region::Us, Region::Eu, Region::Gov];

    /// The REST base URL, including `/v1`.
    pub fn api_base_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.hyperproof.app/v1",
            Region::Eu => "https://api.hyperproof.eu/v1",
            Region::Gov => "https://api.hyperproofgov.app/v1",
        }
    }

    /// The OAuth2 token URL used by default: [`DEFAULT_TOKEN_URL`] for every region
    /// (see there why).
    pub fn token_url(self) -> &'static str {
        DEFAULT_TOKEN_URL
    }

    /// The short name: `us`, `eu` or `gov`.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Gov => "gov",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = Error;

    /// Parses `us`, `eu` or `gov` in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown Hyperproof region {}: expected `us`, `eu` or `gov` (for any other host, set a base URL)",
                    quote(s)
                ))
            })
    }
}
