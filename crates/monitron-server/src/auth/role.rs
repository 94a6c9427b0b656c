//! Roles and group grants: the single authorization helper every resource calls.
//!
//! Rules:
//! - `admin` > `editor` > `viewer`; a higher role can do everything a lower one can.
//! - Administrators are never narrowed.
//! - A user without grants has their role on everything.
//! - A user with grants sees only the granted groups (ungrouped things included only when
//!   nothing narrows them), with the lower of the grant's role and their own role there.
//! - An API key acts with the lower of its own role and its owner's current role.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role, ordered by power.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read-only.
    Viewer,
    /// Manage monitors, pages and alerts.
    Editor,
    /// Everything, including users and settings.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "viewer" => Some(Self::Viewer),
            "editor" => Some(Self::Editor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A user's role within one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Grant {
    /// Group name, as used in monitors' `group` field.
    #[schema(min_length = 1, max_length = 100)]
    pub group: String,
    /// Role within that group.
    pub role: Role,
}

/// Which groups a caller may see, for filtering list queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupScope {
    /// Every group and ungrouped things.
    All,
    /// Only these groups.
    Groups(Vec<String>),
}

/// The authorization facts about a caller: their effective role and grants.
#[derive(Debug, Clone)]
pub struct Access {
    /// Effective global role.
    pub role: Role,
    /// Group grants (empty: not narrowed).
    pub grants: Vec<Grant>,
}

impl Access {
    fn narrowed(&self) -> bool {
        self.role != Role::Admin && !self.grants.is_empty()
    }

    /// The caller's role for a thing in `group` (`None`: ungrouped), or `None` if they may
    /// not see it at all.
    pub fn role_in(&self, group: Option<&str>) -> Option<Role> {
        if !self.narrowed() {
            return Some(self.role);
        }
        let group = group?;
        self.grants
            .iter()
            .find(|g| g.group == group)
            .map(|g| g.role.min(self.role))
    }

    /// True when the caller has at least `needed` globally (ignoring grants): for
    /// operations that are not about one group, such as user management.
    pub fn has(&self, needed: Role) -> bool {
        self.role >= needed && (!self.narrowed() || needed == Role::Viewer)
    }

    /// The groups visible with at least `needed`.
    pub fn scope(&self, needed: Role) -> GroupScope {
        if !self.narrowed() {
            return GroupScope::All;
        }
        GroupScope::Groups(
            self.grants
                .iter()
                .filter(|g| g.role.min(self.role) >= needed)
                .map(|g| g.group.clone())
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(role: Role, grants: &[(&str, Role)]) -> Access {
        Access {
            role,
            grants: grants
                .iter()
                .map(|(g, r)| Grant {
                    group: (*g).into(),
                    role: *r,
                })
                .collect(),
        }
    }

    #[test]
    fn roles_are_ordered_and_round_trip() {
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Viewer);
        for r in [Role::Viewer, Role::Editor, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn unnarrowed_users_have_their_role_everywhere() {
        let a = access(Role::Editor, &[]);
        assert_eq!(a.role_in(Some("prod")), Some(Role::Editor));
        assert_eq!(a.role_in(None), Some(Role::Editor));
        assert_eq!(a.scope(Role::Viewer), GroupScope::All);
        assert!(a.has(Role::Editor) && !a.has(Role::Admin));
    }

    #[test]
    fn grants_narrow_to_groups_and_never_raise_the_role() {
        let a = access(
            Role::Editor,
            &[("prod", Role::Viewer), ("staging", Role::Admin)],
        );
        assert_eq!(a.role_in(Some("prod")), Some(Role::Viewer));
        assert_eq!(
            a.role_in(Some("staging")),
            Some(Role::Editor),
            "capped at the user's own role"
        );
        assert_eq!(a.role_in(Some("other")), None);
        assert_eq!(
            a.role_in(None),
            None,
            "ungrouped things are outside a narrowed user's view"
        );
        assert_eq!(
            a.scope(Role::Viewer),
            GroupScope::Groups(vec!["prod".into(), "staging".into()])
        );
        assert_eq!(
            a.scope(Role::Editor),
            GroupScope::Groups(vec!["staging".into()])
        );
        assert!(
            a.has(Role::Viewer) && !a.has(Role::Editor),
            "global editing needs an unnarrowed editor"
        );
    }

    #[test]
    fn admins_are_never_narrowed() {
        let a = access(Role::Admin, &[("prod", Role::Viewer)]);
        assert_eq!(a.role_in(Some("other")), Some(Role::Admin));
        assert_eq!(a.scope(Role::Admin), GroupScope::All);
        assert!(a.has(Role::Admin));
    }
}
