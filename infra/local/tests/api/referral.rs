//! Referral: binding at first login through an invite, the invite page, and the rules that
//! keep bindings permanent, acyclic and away from snapshot users.

use serde_json::json;

use crate::helpers::{TestApp, location};

async fn invite_code(app: &TestApp, cookies: &crate::helpers::Cookies) -> String {
    app.get("/api/me", cookies).await.1["data"]["invite_code"].as_str().unwrap().to_owned()
}

async fn master_of(app: &TestApp, openid: &str) -> (Option<i64>, Option<i64>) {
    let row = app
        .db()
        .await
        .query_one("SELECT master_id, grand_master_id FROM users WHERE openid = $1", &[&openid])
        .await
        .unwrap();
    (row.get("master_id"), row.get("grand_master_id"))
}

async fn id_of(app: &TestApp, openid: &str) -> i64 {
    app.db().await.query_one("SELECT id FROM users WHERE openid = $1", &[&openid]).await.unwrap().get("id")
}

#[tokio::test]
async fn an_invited_new_user_gets_a_master_and_a_grand_master() {
    let app = TestApp::spawn().await;
    let master = app.logged_in("o_demo_zhangwei").await;
    let (response, apprentice, _) =
        app.login_invited("o_new_apprentice", "/", Some(&invite_code(&app, &master).await)).await;
    assert_eq!(response.status(), 302);
    let (response, _, _) = app.login_invited("o_new_grand", "/", Some(&invite_code(&app, &apprentice).await)).await;
    assert_eq!(response.status(), 302);

    let (zhangwei, newbie) = (id_of(&app, "o_demo_zhangwei").await, id_of(&app, "o_new_apprentice").await);
    assert_eq!(master_of(&app, "o_new_apprentice").await, (Some(zhangwei), None));
    assert_eq!(master_of(&app, "o_new_grand").await, (Some(newbie), Some(zhangwei)));
    let (_, me) = app.get("/api/me", &apprentice).await;
    assert_eq!(me["data"]["master"]["id"], zhangwei);

    let (status, referral) = app.get("/api/referral", &master).await;
    assert_eq!(status, 200, "{referral}");
    let apprentices = referral["data"]["apprentices"].as_array().unwrap();
    assert_eq!(apprentices.len(), 1);
    assert_eq!(apprentices[0]["id"], newbie);
    assert_eq!(referral["data"]["grand_apprentices"], 1);
    let (_, of_grand) = app.get("/api/referral", &apprentice).await;
    assert_eq!(of_grand["data"]["master"]["id"], zhangwei);

    // The invite link is a short link to the H5 app with the code, made once.
    let invite_url = referral["data"]["invite_url"].as_str().unwrap().to_owned();
    assert!(invite_url.starts_with(&app.url("/s/")), "{invite_url}");
    assert_eq!(app.get("/api/referral", &master).await.1["data"]["invite_url"], invite_url.as_str());
    let response = app.http.get(&invite_url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), app.url(&format!("/?invite={}", invite_code(&app, &master).await)));
}

#[tokio::test]
async fn an_invite_never_rebinds_an_old_user_nor_binds_oneself_a_snapshot_or_an_unknown_code() {
    let app = TestApp::spawn().await;
    let master = app.logged_in("o_demo_lina").await;
    let code = invite_code(&app, &master).await;
    let old = app.logged_in("o_demo_wangfang").await;
    let (response, _, _) = app.login_invited("o_demo_wangfang", "/", Some(&code)).await;
    assert_eq!(response.status(), 302, "an invite never stops a login");
    assert_eq!(master_of(&app, "o_demo_wangfang").await, (None, None), "not a first login");
    app.login_invited("o_demo_lina", "/", Some(&code)).await;
    assert_eq!(master_of(&app, "o_demo_lina").await, (None, None), "never oneself");
    app.login_invited("o_demo_snapshot", "/", Some(&code)).await;
    assert_eq!(master_of(&app, "o_demo_snapshot").await, (None, None), "never a snapshot user");
    // A wrong link still logs in, and the app is told why nobody was bound.
    let (response, _, _) = app.login_invited("o_new_unknown_code", "/", Some("ZZZZZZ")).await;
    assert_eq!((response.status().as_u16(), location(&response)), (302, "/?invite_error=1404".to_owned()));
    assert_eq!(master_of(&app, "o_new_unknown_code").await, (None, None));
    let (response, _, _) = app.login_invited("o_new_bad_code", "/groups", Some("AB!")).await;
    assert_eq!((response.status().as_u16(), location(&response)), (302, "/groups?invite_error=1403".to_owned()));
    assert_eq!(master_of(&app, "o_new_bad_code").await, (None, None));
    let (response, _, _) = app.login_invited("o_demo_lina", "/", Some(&code)).await;
    assert_eq!(location(&response), "/", "one's own code is not an error to show");
    let (_, me) = app.get("/api/me", &old).await;
    assert_eq!(me["data"]["master"], json!(null));
}

#[tokio::test]
async fn the_database_refuses_a_cycle_a_rebinding_and_a_snapshot_master() {
    let app = TestApp::spawn().await;
    for openid in ["o_demo_zhangwei", "o_demo_lina", "o_demo_snapshot"] {
        app.logged_in(openid).await;
    }
    let (a, b, s) =
        (id_of(&app, "o_demo_zhangwei").await, id_of(&app, "o_demo_lina").await, id_of(&app, "o_demo_snapshot").await);
    let db = app.db().await;
    db.execute("UPDATE users SET master_id = $1 WHERE id = $2", &[&a, &b]).await.unwrap();
    for (sql, master, user) in
        [("a cycle", b, a), ("a rebinding", s, b), ("a snapshot master", s, a), ("oneself", a, a)]
    {
        let err = db.execute("UPDATE users SET master_id = $1 WHERE id = $2", &[&master, &user]).await.unwrap_err();
        assert!(err.as_db_error().is_some(), "{sql}: {err}");
    }
}
