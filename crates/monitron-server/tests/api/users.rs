//! Administrator user management: listing, filters, sorting, paging, last-admin protection,
//! deletion with confirmation, administrator password resets, grants.

use serde_json::json;

use crate::helpers::{Backend, ADMIN_PASSWORD};
use crate::{app, on_both_databases};

async fn list_filters_sorts_and_pages(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    for (name, role) in [
        ("vic", "viewer"),
        ("val", "viewer"),
        ("eve", "editor"),
        ("ann", "admin"),
    ] {
        app.create_user(name, role).await;
    }
    let (eve_id, _) = (
        app.get("/api/v1/users?q=eve", &admin).await.data()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        (),
    );
    app.patch(
        &format!("/api/v1/users/{eve_id}"),
        &admin,
        json!({ "active": false }),
    )
    .await;

    let names = |r: &crate::helpers::Resp| {
        r.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all = app.get("/api/v1/users", &admin).await;
    assert_eq!(names(&all), ["admin", "ann", "eve", "val", "vic"]);
    assert_eq!(
        (
            all.data()["total"].as_u64(),
            all.data()["page"].as_u64(),
            all.data()["per_page"].as_u64()
        ),
        (Some(5), Some(1), Some(50))
    );
    assert_eq!(
        names(&app.get("/api/v1/users?role=viewer", &admin).await),
        ["val", "vic"]
    );
    assert_eq!(
        names(&app.get("/api/v1/users?status=inactive", &admin).await),
        ["eve"]
    );
    assert_eq!(
        names(&app.get("/api/v1/users?q=V", &admin).await),
        ["eve", "val", "vic"],
        "search is case-insensitive and covers e-mail"
    );
    assert_eq!(
        names(&app.get("/api/v1/users?sort=-username", &admin).await),
        ["vic", "val", "eve", "ann", "admin"]
    );
    let page = app.get("/api/v1/users?per_page=2&page=2", &admin).await;
    assert_eq!(
        (names(&page), page.data()["total"].as_u64()),
        (vec!["eve".to_owned(), "val".to_owned()], Some(5))
    );
    assert_eq!(
        names(&app.get("/api/v1/users?q=%25", &admin).await),
        Vec::<String>::new(),
        "LIKE wildcards match literally"
    );

    for (query, field) in [
        ("sort=password_hash", "sort"),
        ("per_page=501", "per_page"),
        ("page=0", "page"),
        ("role=root", "role"),
        ("page=abc", "page"),
    ] {
        let r = app.get(&format!("/api/v1/users?{query}"), &admin).await;
        assert_eq!(r.code(), 40001, "{query}: {}", r.text);
        assert!(r.error()[field].is_string(), "{query}: {}", r.text);
    }
}

async fn the_last_active_admin_is_protected(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let me = app.get("/api/v1/me", &admin).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/users/{me}");
    let demote = app.patch(&path, &admin, json!({ "role": "editor" })).await;
    assert_eq!((demote.status, demote.code()), (409, 40901));
    assert!(demote.error()["role"].is_string());
    let off = app.patch(&path, &admin, json!({ "active": false })).await;
    assert!(off.error()["active"].is_string(), "{}", off.text);
    let del = app
        .call(
            reqwest::Method::DELETE,
            &path,
            &admin,
            Some(json!({ "confirm_password": ADMIN_PASSWORD })),
        )
        .await;
    assert_eq!(del.code(), 40901, "{}", del.text);
    assert_eq!(
        app.get(&path, &admin).await.data()["role"],
        "admin",
        "nothing changed"
    );

    // With a second active admin, the first may step down.
    let (second, pw) = app.create_user("second", "admin").await;
    assert_eq!(
        app.patch(&path, &admin, json!({ "role": "editor" }))
            .await
            .data()["role"],
        "editor"
    );
    let second_auth = app.login("second", &pw).await;
    let last = app
        .patch(
            &format!("/api/v1/users/{second}"),
            &second_auth,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(last.code(), 40901, "now `second` is the last one");
}

async fn delete_needs_the_acting_admins_password(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, _, victim) = app.user_with_token("gone", "viewer").await;
    let path = format!("/api/v1/users/{id}");
    let wrong = app
        .call(
            reqwest::Method::DELETE,
            &path,
            &admin,
            Some(json!({ "confirm_password": "wrong-password" })),
        )
        .await;
    assert_eq!(wrong.error()["confirm_password"], "is incorrect");
    let missing = app
        .call(reqwest::Method::DELETE, &path, &admin, Some(json!({})))
        .await;
    assert_eq!(missing.error()["confirm_password"], "is required");
    let ok = app
        .call(
            reqwest::Method::DELETE,
            &path,
            &admin,
            Some(json!({ "confirm_password": ADMIN_PASSWORD })),
        )
        .await;
    assert_eq!(ok.data()["id"], id.as_str(), "{}", ok.text);
    assert_eq!(app.get(&path, &admin).await.code(), 40401);
    assert_eq!(app.get("/api/v1/me", &victim).await.code(), 40102);
    let audit = app.audit("user.delete").await;
    assert_eq!(audit[0]["target_id"], id.as_str());
    assert_eq!(audit[0]["details"]["username"], "gone");
}

async fn admin_reset_gives_a_temporary_password_and_signs_out(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, old, auth) = app.user_with_token("forgetful", "viewer").await;
    let email_without_smtp = app
        .post(
            &format!("/api/v1/users/{id}/reset-password"),
            &admin,
            json!({ "method": "email" }),
        )
        .await;
    assert!(
        email_without_smtp.error()["method"].is_string(),
        "{}",
        email_without_smtp.text
    );
    let r = app
        .post(
            &format!("/api/v1/users/{id}/reset-password"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.data()["method"], "temporary_password", "{}", r.text);
    let temporary = r.data()["temporary_password"].as_str().unwrap();
    assert_eq!(temporary.len(), 20);
    assert_eq!(app.get("/api/v1/me", &auth).await.code(), 40102);
    assert_eq!(app.login_pair("forgetful", &old).await.code(), 40103);
    app.login("forgetful", temporary).await;
    assert_eq!(app.audit("password.admin_reset").await.len(), 1);
}

async fn grants_are_stored_replaced_and_validated(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, _) = app.create_user("narrow", "editor").await;
    let path = format!("/api/v1/users/{id}/grants");
    assert_eq!(app.get(&path, &admin).await.data(), &json!([]));
    let put = app.call(reqwest::Method::PUT, &path, &admin, Some(json!([{ "group": "prod", "role": "viewer" }, { "group": "staging", "role": "editor" }]))).await;
    assert_eq!(
        put.data(),
        &json!([{ "group": "prod", "role": "viewer" }, { "group": "staging", "role": "editor" }]),
        "{}",
        put.text
    );
    let dup = app
        .call(
            reqwest::Method::PUT,
            &path,
            &admin,
            Some(json!([{ "group": "a", "role": "viewer" }, { "group": "a", "role": "editor" }])),
        )
        .await;
    assert_eq!(dup.error()["[1].group"], "appears more than once");
    let bad_role = app
        .call(
            reqwest::Method::PUT,
            &path,
            &admin,
            Some(json!([{ "group": "a", "role": "owner" }])),
        )
        .await;
    assert_eq!(bad_role.code(), 40001);
    assert_eq!(
        app.get(&path, &admin)
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        2,
        "failed updates change nothing"
    );
    app.call(reqwest::Method::PUT, &path, &admin, Some(json!([])))
        .await;
    assert_eq!(app.get(&path, &admin).await.data(), &json!([]));
    let missing = app
        .get(
            &format!("/api/v1/users/{}/grants", uuid::Uuid::now_v7()),
            &admin,
        )
        .await;
    assert_eq!(missing.code(), 40401);
}

async fn admins_edit_users_and_conflicts_name_the_field(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (id, _) = app.create_user("edit-me", "viewer").await;
    app.create_user("taken", "viewer").await;
    let path = format!("/api/v1/users/{id}");
    let r = app
        .patch(
            &path,
            &admin,
            json!({ "role": "editor", "display_name": "Edith", "email": "Edith@Example.com" }),
        )
        .await;
    assert_eq!(
        (
            r.data()["role"].as_str(),
            r.data()["display_name"].as_str(),
            r.data()["email"].as_str()
        ),
        (Some("editor"), Some("Edith"), Some("edith@example.com"))
    );
    let dup = app
        .patch(&path, &admin, json!({ "email": "taken@example.com" }))
        .await;
    assert_eq!(dup.error()["email"], "is already taken");
    let create_dup = app.post("/api/v1/users", &admin, json!({ "username": "taken", "email": "other@example.com", "password": "some-password-1", "role": "viewer" })).await;
    assert_eq!(
        (create_dup.status, create_dup.error()["username"].as_str()),
        (409, Some("is already taken"))
    );
    let audit = app.audit("user.update").await;
    assert_eq!(audit[0]["details"]["role"]["to"], "editor");
}

async fn two_admins_demoting_each_other_at_once_leave_one_admin(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let first = app.get("/api/v1/me", &admin).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (second, pw) = app.create_user("second-admin", "admin").await;
    let second_auth = app.login("second-admin", &pw).await;
    for round in 0..3 {
        let (path_second, path_first) = (
            format!("/api/v1/users/{second}"),
            format!("/api/v1/users/{first}"),
        );
        let (a, b) = tokio::join!(
            app.patch(&path_second, &admin, json!({ "role": "viewer" })),
            app.patch(&path_first, &second_auth, json!({ "role": "viewer" })),
        );
        // Exactly one demotion wins. The other is refused as the last admin (40901), or, when
        // the winner demoted its caller first, for lack of the admin role (40301).
        let winners = [&a, &b].iter().filter(|r| r.code() == 0).count();
        assert_eq!(winners, 1, "round {round}: {} / {}", a.text, b.text);
        let loser = if a.code() == 0 { b.code() } else { a.code() };
        assert!(loser == 40901 || loser == 40301, "round {round}: {loser}");
        let (survivor, demoted) = if a.code() == 0 {
            (&admin, &second)
        } else {
            (&second_auth, &first)
        };
        let admins = app.get("/api/v1/users?role=admin", survivor).await;
        assert_eq!(admins.data()["total"], 1, "round {round}: {}", admins.text);
        // Restore both for the next round.
        let restore = app
            .patch(
                &format!("/api/v1/users/{demoted}"),
                survivor,
                json!({ "role": "admin" }),
            )
            .await;
        assert_eq!(restore.code(), 0);
    }
}

async fn sorting_by_status_and_last_login_is_the_same_on_every_database(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let (idle_id, _) = app.create_user("idle", "viewer").await;
    app.user_with_token("active-one", "viewer").await;
    app.patch(
        &format!("/api/v1/users/{idle_id}"),
        &admin,
        json!({ "active": false }),
    )
    .await;
    let names = |r: crate::helpers::Resp| {
        r.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let asc = names(app.get("/api/v1/users?sort=last_login_at", &admin).await);
    let desc = names(app.get("/api/v1/users?sort=-last_login_at", &admin).await);
    assert_eq!(
        asc.last().map(String::as_str),
        Some("idle"),
        "never signed in: last ({asc:?})"
    );
    assert_eq!(
        desc.last().map(String::as_str),
        Some("idle"),
        "never signed in: last either way ({desc:?})"
    );
    assert_eq!(desc[0], "active-one", "the latest sign-in first");
    let by_status = names(app.get("/api/v1/users?sort=status", &admin).await);
    assert_eq!(
        by_status.last().map(String::as_str),
        Some("idle"),
        "active first: {by_status:?}"
    );
    for field in ["id", "updated_at", "-status"] {
        assert_eq!(
            app.get(&format!("/api/v1/users?sort={field}"), &admin)
                .await
                .code(),
            0,
            "{field}"
        );
    }
    // Audit action filters: a trailing * is a literal prefix.
    let logins = app
        .get("/api/v1/audit-logs?action=auth.login*", &admin)
        .await;
    assert!(
        logins.data()["total"].as_u64().unwrap() >= 2,
        "{}",
        logins.text
    );
    assert_eq!(
        app.get("/api/v1/audit-logs?action=auth_login*", &admin)
            .await
            .data()["total"],
        0,
        "`_` is not a wildcard"
    );
}

on_both_databases!(
    two_admins_demoting_each_other_at_once_leave_one_admin,
    sorting_by_status_and_last_login_is_the_same_on_every_database,
    list_filters_sorts_and_pages,
    the_last_active_admin_is_protected,
    delete_needs_the_acting_admins_password,
    admin_reset_gives_a_temporary_password_and_signs_out,
    grants_are_stored_replaced_and_validated,
    admins_edit_users_and_conflicts_name_the_field,
);
