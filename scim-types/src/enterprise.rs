//! The Enterprise User extension (RFC 7643 §4.3).

use crate::object::scim_object;

scim_object! {
    /// The Enterprise User extension (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
    /// RFC 7643 §4.3). On a [`User`](crate::User) it lives in the `enterprise` field.
    ///
    /// ```
    /// use scim_types::{EnterpriseUser, Manager};
    /// let e = EnterpriseUser::default()
    ///     .with_department("Tour Operations")
    ///     .with_manager(Manager::new("26118915-6090-4610-87e4-49d8ca9f808d"));
    /// assert_eq!(e.manager.and_then(|m| m.value).as_deref(), Some("26118915-6090-4610-87e4-49d8ca9f808d"));
    /// ```
    pub struct EnterpriseUser {
        /// Organization-assigned employee number (`employeeNumber`).
        pub employee_number: Option<String> = "employeeNumber" as opt,
        /// Cost center (`costCenter`).
        pub cost_center: Option<String> = "costCenter" as opt,
        /// Organization name (`organization`).
        pub organization: Option<String> = "organization" as opt,
        /// Division name (`division`).
        pub division: Option<String> = "division" as opt,
        /// Department name (`department`).
        pub department: Option<String> = "department" as opt,
        /// The user's manager, a complex attribute (`manager`).
        pub manager: Option<Manager> = "manager" as opt,
    }
}

impl EnterpriseUser {
    /// Sets `employeeNumber`.
    #[must_use]
    pub fn with_employee_number(mut self, v: impl Into<String>) -> Self {
        self.employee_number = Some(v.into());
        self
    }

    /// Sets `costCenter`.
    #[must_use]
    pub fn with_cost_center(mut self, v: impl Into<String>) -> Self {
        self.cost_center = Some(v.into());
        self
    }

    /// Sets `organization`.
    #[must_use]
    pub fn with_organization(mut self, v: impl Into<String>) -> Self {
        self.organization = Some(v.into());
        self
    }

    /// Sets `division`.
    #[must_use]
    pub fn with_division(mut self, v: impl Into<String>) -> Self {
        self.division = Some(v.into());
        self
    }

    /// Sets `department`.
    #[must_use]
    pub fn with_department(mut self, v: impl Into<String>) -> Self {
        self.department = Some(v.into());
        self
    }

    /// Sets `manager`.
    #[must_use]
    pub fn with_manager(mut self, manager: Manager) -> Self {
        self.manager = Some(manager);
        self
    }
}

scim_object! {
    /// The `manager` of an [`EnterpriseUser`] (RFC 7643 §4.3).
    pub struct Manager {
        /// The manager's User `id` (`value`).
        pub value: Option<String> = "value" as opt,
        /// The manager's User URI (`$ref`).
        pub ref_: Option<String> = "$ref" as opt,
        /// The manager's display name; read-only (`displayName`).
        pub display_name: Option<String> = "displayName" as opt,
    }
}

impl Manager {
    /// A manager reference by User id.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            ..Self::default()
        }
    }
}
