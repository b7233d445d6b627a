//! The star rule is written twice: `group_stars` in PostgreSQL (migrations/0010_star_rule.sql),
//! by which the rating and settlement pay, and `GroupSettings::stars`, by which the account and
//! the seed show figures before a rating. They must give the same stars for every day.

use gpet::settings::GroupSettings;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::helpers::TestApp;

/// Thresholds as settings hold them (strictly increasing from 1) or any four u32 at all (the
/// rule counts the thresholds reached whatever their order), with sessions on either side of one
/// of them or anywhere a day's count can be.
fn days() -> impl Strategy<Value = ([u32; 4], i64)> {
    let any_threshold = prop_oneof![1u32..1_000, any::<u32>()];
    let thresholds = (prop::array::uniform4(any_threshold), any::<bool>()).prop_map(|(mut t, as_settings)| {
        if as_settings {
            t.sort_unstable();
            for i in 1..4 {
                t[i] = t[i].max(t[i - 1].saturating_add(1));
            }
        }
        t
    });
    thresholds.prop_flat_map(|t| {
        let near = (0..4usize, -1i64..=1).prop_map(move |(i, d)| i64::from(t[i]) + d);
        let sessions = prop_oneof![near, 0i64..1_000, 0..=i64::from(u32::MAX) + 1];
        (Just(t), sessions)
    })
}

#[test]
fn the_stars_of_postgresql_are_those_of_the_settings_rule() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let app = rt.block_on(TestApp::spawn());
    let client = rt.block_on(app.connect());
    let statement = rt.block_on(client.prepare("SELECT group_stars($1, $2) AS stars")).unwrap();
    let mut runner = TestRunner::new(Config { cases: 256, failure_persistence: None, ..Config::default() });
    runner
        .run(&days(), |(star_thresholds, sessions)| {
            let settings = GroupSettings { star_thresholds, ..GroupSettings::default() };
            let thresholds: Vec<i64> = star_thresholds.iter().map(|t| i64::from(*t)).collect();
            let row = rt.block_on(client.query_one(&statement, &[&sessions, &thresholds])).unwrap();
            prop_assert_eq!(
                row.get::<_, i16>("stars"),
                settings.stars(sessions),
                "{} sessions, {:?}",
                sessions,
                star_thresholds
            );
            Ok(())
        })
        .unwrap();
}
