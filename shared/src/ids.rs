//! The ids that cross modules, each its own type: a user's id cannot be passed where a group's
//! is wanted. On the wire and in the database they are the bigint they always were.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::db::bigint_newtype;

macro_rules! id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(id: i64) -> Self {
                $name(id)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        // The number alone, as the bare i64 logged before: `#[instrument]` prints arguments
        // with Debug.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        bigint_newtype!($name);
    };
}

id!(
    /// An owner (users.id).
    UserId
);
id!(
    /// A group the robots are in (groups.id).
    GroupId
);
id!(
    /// A withdrawal (withdrawals.id), which its payouts and ledger entries name.
    WithdrawalId
);

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::types::{FromSql, ToSql, Type};

    #[test]
    fn ids_are_bare_numbers_in_json_and_bigints_in_the_database() {
        let id = UserId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<GroupId>("7").unwrap(), GroupId::new(7));
        assert_eq!(format!("{id} {id:?}"), "42 42");
        assert_eq!("9".parse::<WithdrawalId>().unwrap().get(), 9);
        assert!("x".parse::<UserId>().is_err());
        let mut raw = tokio_postgres::types::private::BytesMut::new();
        id.to_sql(&Type::INT8, &mut raw).unwrap();
        assert_eq!(UserId::from_sql(&Type::INT8, &raw).unwrap(), id);
        assert!(<UserId as ToSql>::accepts(&Type::INT8) && !<UserId as ToSql>::accepts(&Type::INT4));
    }
}
