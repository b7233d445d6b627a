//! Money, always integer fen (分): never a float, never a yuan figure kept anywhere. JSON carries
//! the number of fen and PostgreSQL the bigint, as they always did; yuan exist only in text for
//! people.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Serialize};

use crate::db::bigint_newtype;

/// An amount of money in fen (1 yuan = 100 fen); negative for money going out of an account.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Fen(i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Self {
        Fen(fen)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl From<u32> for Fen {
    fn from(fen: u32) -> Self {
        Fen(i64::from(fen))
    }
}

/// Yuan with two decimals: `12.34`, `-0.05`.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

// The number of fen, as the bare i64 logged before.
impl fmt::Debug for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Add for Fen {
    type Output = Fen;
    fn add(self, other: Fen) -> Fen {
        Fen(self.0 + other.0)
    }
}

impl Sub for Fen {
    type Output = Fen;
    fn sub(self, other: Fen) -> Fen {
        Fen(self.0 - other.0)
    }
}

impl Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}

impl AddAssign for Fen {
    fn add_assign(&mut self, other: Fen) {
        self.0 += other.0;
    }
}

impl SubAssign for Fen {
    fn sub_assign(&mut self, other: Fen) {
        self.0 -= other.0;
    }
}

impl Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

impl<'a> Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        iter.copied().sum()
    }
}

bigint_newtype!(Fen);

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_postgres::types::{FromSql, ToSql, Type};

    #[test]
    fn fen_read_as_yuan_and_stay_integers_on_the_wire() {
        assert_eq!(Fen::new(12_345).to_string(), "123.45");
        assert_eq!(Fen::new(5).to_string(), "0.05");
        assert_eq!(Fen::new(-105).to_string(), "-1.05");
        assert_eq!(Fen::ZERO.to_string(), "0.00");
        assert_eq!(format!("{:?}", Fen::new(-7)), "-7");
        assert_eq!(serde_json::to_string(&Fen::new(1_000)).unwrap(), "1000");
        assert_eq!(serde_json::from_str::<Fen>("250").unwrap(), Fen::new(250));
        assert!(serde_json::from_str::<Fen>("2.5").is_err(), "never a fraction of a fen");
        let mut raw = tokio_postgres::types::private::BytesMut::new();
        Fen::new(-3).to_sql(&Type::INT8, &mut raw).unwrap();
        assert_eq!(Fen::from_sql(&Type::INT8, &raw).unwrap(), Fen::new(-3));
    }

    #[test]
    fn fen_add_up() {
        let mut f = Fen::new(100) + Fen::new(50) - Fen::new(30);
        f += Fen::from(5u32);
        f -= Fen::new(25);
        assert_eq!(f, Fen::new(100));
        assert_eq!(-f, Fen::new(-100));
        assert_eq!([Fen::new(1), Fen::new(2)].iter().sum::<Fen>(), Fen::new(3));
        assert!(Fen::new(1) > Fen::ZERO);
    }
}
