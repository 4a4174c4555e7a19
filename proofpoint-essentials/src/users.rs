//! [`Users`]: list, get, create, update (read-modify-write), replace, deactivate,
//! reactivate, delete.

use std::borrow::Cow;

use idgraph_common::paginate::{Items, Page, PageRequest, Pages, Paginator, Strategy};

use crate::client::{Client, Surface};
use crate::errors;
use crate::model::{NewUser, PrimaryEmail, User, UserStatus};
use crate::wire::{self, interface, rest};
use crate::{Error, Result};

/// The REST surface's largest page.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The confirmation an irreversible operation asks for, by name.
///
/// Deleting a Proofpoint Essentials user is immediate and irreversible, and takes the
/// user's aliases with it. The type exists so that every call site that deletes says so:
///
/// ```no_run
/// use proofpoint_essentials::{Client, Irreversible, PrimaryEmail};
///
/// # async fn run(client: Client) -> proofpoint_essentials::Result<()> {
/// client.users().delete(&PrimaryEmail::new("leaver@example.com")?, Irreversible).await?;
/// # Ok(()) }
/// ```
///
/// To stop a user without losing anything, [`Users::deactivate`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Irreversible;

/// The users of one organization: `client.users()`.
///
/// An owned handle: it holds a clone of the [`Client`] (one `Arc`), is
/// `Send + Sync + 'static` and can be kept, cloned or moved into a task.
///
/// ```
/// use proofpoint_essentials::{ApiKey, ApiSecret, Client, Users};
///
/// fn is_owned<T: Send + Sync + 'static>(_: &T) {}
/// let users: Users = Client::builder()
///     .api_key(ApiKey::new("key"))
///     .api_secret(ApiSecret::new("secret"))
///     .build()?
///     .users(); // the client itself is dropped here
/// is_owned(&users);
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Users {
    client: Client,
}

impl Users {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Lists every user, lazily: see [`ListUsers`].
    pub fn list(&self) -> ListUsers {
        ListUsers {
            client: self.client.clone(),
            page_size: MAX_PAGE_SIZE,
            max_pages: None,
        }
    }

    /// One user by primary email (`GET /users/{primaryEmail}`). A missing user is an
    /// [`Error::Api`] with [`Error::is_not_found`].
    pub async fn get(&self, email: &PrimaryEmail) -> Result<User> {
        let req = self
            .client
            .http()
            .get(self.client.user_path(email)?)
            .operation("proofpoint_essentials.users.get");
        Ok(match self.client.surface() {
            Surface::RestV2 => req.send_json::<rest::UserIn>().await?.into_user(),
            Surface::InterfaceV1 => req.send_json::<interface::UserIn>().await?.into_user(),
        })
    }

    /// Creates one user (`POST /users`) and returns it as the server answered.
    ///
    /// A 400 because the email's domain is not registered in the organization is an
    /// [`Error::Api`] carrying [`ErrorCode::DomainNotRegistered`](crate::ErrorCode::DomainNotRegistered) (see
    /// [`Error::vendor_code`]): domains are registered in the admin console, not through
    /// the API. A POST is retried only when the server provably did not process
    /// it (429, connection refused).
    ///
    /// On the interface API, if the answer carries no user (some deployments answer
    /// with an empty body) the user is read back with a GET. If a success answer lists
    /// this user under `errors[]`, the refusal is an [`Error::Api`] with the item's status
    /// and message (and [`ErrorCode::DomainNotRegistered`](crate::ErrorCode::DomainNotRegistered) when the
    /// domain is the reason), as if the request itself had been refused.
    pub async fn create(&self, user: &NewUser) -> Result<User> {
        let email = user.primary_email.clone();
        let path = self.client.users_path()?;
        match self.client.surface() {
            Surface::RestV2 => {
                let body = rest::new_user_body(user)?;
                let req = self.client.http().post(path);
                let created = wire::with_json_body(req, &body, &[&body])
                    .operation("proofpoint_essentials.users.create")
                    .send_json::<rest::UserIn>()
                    .await
                    .map_err(|e| errors::for_email(e, &email))?;
                Ok(created.into_user())
            }
            Surface::InterfaceV1 => {
                let body = interface::new_user_body(user)?;
                let shown_path = path.to_string();
                let req = self.client.http().post(path);
                let resp = wire::with_json_body(req, &body, &[&body])
                    .operation("proofpoint_essentials.users.create")
                    .send()
                    .await
                    .map_err(|e| errors::for_email(e, &email))?;
                let mut answer = interface::BatchAnswer::parse(resp.body());
                if let Some(i) = answer.users.iter().position(|u| u.primary_email == email) {
                    return Ok(answer.users.swap_remove(i));
                }
                if let Some(e) = answer.errors.first() {
                    return Err(
                        crate::bulk::Rejection::from_wire(e, &email, &resp).into_error(&shown_path)
                    );
                }
                self.get(&email).await
            }
        }
    }

    /// Changes a user safely: reads the **whole** current user, applies `change`, and
    /// PUTs the whole user back, unknown fields included.
    ///
    /// The API's PUT is a full replacement that may reset any field it is not sent, so
    /// the client never sends a partial user: there is no "patch" type to fill in. The
    /// primary email cannot change here (it has no setter); `change` must leave the
    /// user it was given in place (swapping in another user is refused).
    ///
    /// ```no_run
    /// use proofpoint_essentials::{Client, PrimaryEmail, UserPassword};
    ///
    /// # async fn run(client: Client) -> proofpoint_essentials::Result<()> {
    /// let email = PrimaryEmail::new("jane@example.com")?;
    /// let updated = client.users().update(&email, |user| {
    ///     user.last_name = Some("Updated".into());
    ///     user.password = Some(UserPassword::new("N3w-temp!"));
    /// }).await?;
    /// assert!(updated.password.is_none()); // write-only
    /// # Ok(()) }
    /// ```
    ///
    /// Two writers racing on one user can still overwrite each other's change: the API
    /// has no version or ETag to detect it.
    pub async fn update<F>(&self, email: &PrimaryEmail, change: F) -> Result<User>
    where
        F: FnOnce(&mut User),
    {
        let mut user = self.get(email).await?;
        change(&mut user);
        if user.primary_email != *email {
            return Err(Error::invalid_input(
                "the update closure replaced the user with another one; change fields of the user it is given (the primary email is immutable: use Users::change_primary_email)",
            ));
        }
        self.put(user).await
    }

    /// PUTs a whole user back. Only a [`User`] read from the API (and from this client's
    /// surface) can be passed, so a partial user cannot be sent.
    ///
    /// Prefer [`update`](Self::update), which reads the user right before writing.
    pub async fn replace(&self, user: &User) -> Result<User> {
        if user.origin != self.client.surface() {
            return Err(Error::invalid_input(format!(
                "this user was read from the {} surface and cannot be written to the {} surface: its unknown fields use the other surface's names",
                user.origin,
                self.client.surface()
            )));
        }
        self.put(user.clone()).await
    }

    /// The PUT itself. Returns the user as sent (password removed), with the server's
    /// `updatedAt` when it sends one: the seed's PUT answer is partial, and a partial
    /// user must never be PUT back by a later `replace`.
    async fn put(&self, mut user: User) -> Result<User> {
        let path = self.client.user_path(&user.primary_email)?;
        let req = self
            .client
            .http()
            .put(path)
            .operation("proofpoint_essentials.users.replace");
        let body = match self.client.surface() {
            Surface::RestV2 => rest::user_body(&user)?,
            Surface::InterfaceV1 => interface::user_body(&user)?,
        };
        let resp = wire::with_json_body(req, &body, &[&body])
            .send()
            .await
            .map_err(|e| errors::for_email(e, &user.primary_email))?;
        user.password = None;
        if self.client.surface() == Surface::RestV2
            && let Ok(echo) =
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(resp.body())
            && let Some(at) = echo.get("updatedAt").and_then(|v| v.as_str())
        {
            user.updated_at = Some(at.to_owned());
        }
        Ok(user)
    }

    /// Deactivates a user: sets the status to inactive with a full read-modify-write,
    /// and returns the user as it is now. Nothing is deleted; [`reactivate`](Self::reactivate)
    /// undoes it.
    pub async fn deactivate(&self, email: &PrimaryEmail) -> Result<User> {
        self.update(email, |u| u.status = Some(UserStatus::Inactive))
            .await
    }

    /// Reactivates a deactivated user: sets the status to active with a full
    /// read-modify-write, and returns the user as it is now.
    pub async fn reactivate(&self, email: &PrimaryEmail) -> Result<User> {
        self.update(email, |u| u.status = Some(UserStatus::Active))
            .await
    }

    /// Deletes a user: **immediate and irreversible**, and the user's aliases go with it.
    /// The caller confirms by passing [`Irreversible`].
    ///
    /// A user that does not exist is an error with [`Error::is_not_found`].
    pub async fn delete(&self, email: &PrimaryEmail, confirm: Irreversible) -> Result<()> {
        let Irreversible = confirm;
        self.client
            .http()
            .delete(self.client.user_path(email)?)
            .operation("proofpoint_essentials.users.delete")
            .send_empty()
            .await
    }
}

/// A lazy listing of users, from [`Users::list`]: [`stream`](Self::stream) or
/// [`pages`](Self::pages).
///
/// REST surface: `GET /users?page=&pageSize=`, 1000 per page by default (the API's
/// maximum, so listing costs as few of the 100 requests per minute as possible), ending
/// at the reported `total` or an empty page. Interface API: one unpaginated request.
///
/// The streams are `Send + 'static`, make no request before the first poll, and own a
/// clone of the client. `try_collect` loads every user into memory.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn run(client: proofpoint_essentials::Client) -> proofpoint_essentials::Result<()> {
/// let mut users = std::pin::pin!(client.users().list().page_size(500).stream());
/// while let Some(user) = users.try_next().await? {
///     println!("{}", user.primary_email());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a listing does nothing until its stream is polled"]
pub struct ListUsers {
    client: Client,
    page_size: u32,
    max_pages: Option<u64>,
}

impl ListUsers {
    /// Users per page (REST surface), 1 to 1000; larger values are lowered to 1000, the
    /// API's maximum. Default 1000. Ignored by the interface API, which does not page.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Stops after this many pages. Default: no cap.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// The pages, in order.
    pub fn pages(self) -> Pages<User> {
        let client = self.client.clone();
        self.paginate(move |req| {
            let client = client.clone();
            async move { fetch_page(&client, req).await }
        })
    }

    /// A listing with this listing's strategy, cap and repeat guard over `fetch`, which
    /// may wrap [`fetch_page`] (the directory view converts each page as it arrives).
    pub(crate) fn paginate<T: Keyed + Send + 'static>(
        self,
        fetch: impl idgraph_common::paginate::FetchPage<T>,
    ) -> Pages<T> {
        let strategy = match self.client.surface() {
            Surface::RestV2 => Strategy::page_number(self.page_size),
            Surface::InterfaceV1 => Strategy::Unpaginated,
        };
        let mut paginator = Paginator::new(strategy, fetch)
            // A server that ignores paging and repeats users ends the listing instead of
            // looping; each user is yielded once.
            .dedup_by(|u: &T| u.key());
        if let Some(max) = self.max_pages {
            paginator = paginator.max_pages(max);
        }
        paginator.pages()
    }

    /// The users, in order, as a lazy stream that ends cleanly only when the server's
    /// answers show everything arrived ([`Items::summary`]).
    pub fn stream(self) -> Items<User> {
        self.pages().items()
    }
}

/// What identifies a listed user for the repeat guard: the primary email, lower-cased.
pub(crate) trait Keyed {
    fn key(&self) -> Cow<'_, str>;
}

impl Keyed for User {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.primary_email.key())
    }
}

impl Keyed for idgraph_common::graph::DirectoryUser {
    fn key(&self) -> Cow<'_, str> {
        self.email().key()
    }
}

/// One page of users, as the surface answers it.
pub(crate) async fn fetch_page(client: &Client, req: PageRequest) -> Result<Page<User>> {
    let path = client.users_path()?;
    match req {
        PageRequest::Number { page, size } => {
            let list: rest::UserList = client
                .http()
                .get(path)
                .query("page", page)
                .query("pageSize", size)
                .operation("proofpoint_essentials.users.list")
                .send_json()
                .await?;
            let users = list
                .users
                .into_iter()
                .map(rest::UserIn::into_user)
                .collect();
            Ok(Page::new(users).with_total(list.total))
        }
        PageRequest::All => {
            let list: interface::UserList = client
                .http()
                .get(path)
                .operation("proofpoint_essentials.users.list")
                .send_json()
                .await?;
            let users = list
                .users
                .into_iter()
                .map(interface::UserIn::into_user)
                .collect();
            Ok(Page::new(users))
        }
        other => Err(Error::config(format!(
            "internal: unexpected page request {other:?} for users"
        ))),
    }
}
