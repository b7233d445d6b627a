//! The launch system (投放系统): whether ads may be launched in each group. gpet asks it for
//! the switches of its groups and lets its robot leave a group whose switch is off.
//!
//! Partner API (what gpet's client calls, no authentication):
//! - `POST /launch/v1/switches` `{"group_wxids": [...]}` → `{"errcode": 0, "errmsg": "ok",
//!   "switches": {"<wxid>": bool}}`, every group asked named; a group is on unless a person
//!   turned it off; a body that is not that JSON answers errcode 40003.
//!
//! The sandbox's own routes:
//! - `PUT /sandbox/launch/{group_wxid}` `{"on": bool}` sets one group's switch;
//! - `GET /sandbox/launch` → `{"<wxid>": bool}`, only the switches that were set.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::SandboxState;

/// Groups one switches call may ask about.
pub const MAX_GROUPS_PER_CALL: usize = 1000;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/launch/v1/switches", post(switches))
        .route("/sandbox/launch", get(list_set))
        .route("/sandbox/launch/{group_wxid}", put(set_switch))
}

/// The switches a person set; every other group is on.
pub(crate) struct LaunchState {
    switches: BTreeMap<String, bool>,
}

impl LaunchState {
    pub(crate) fn new() -> Self {
        Self { switches: BTreeMap::new() }
    }

    fn is_on(&self, group_wxid: &str) -> bool {
        self.switches.get(group_wxid).copied().unwrap_or(true)
    }
}

#[derive(Debug, Deserialize)]
struct SwitchesRequest {
    group_wxids: Vec<String>,
}

async fn switches(State(state): State<SandboxState>, body: Bytes) -> Response {
    let refuse = |errmsg: String| Json(json!({ "errcode": 40003, "errmsg": errmsg })).into_response();
    let request: SwitchesRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(format!("invalid parameter: expected {{\"group_wxids\": [...]}}: {error}")),
    };
    if request.group_wxids.len() > MAX_GROUPS_PER_CALL {
        return refuse(format!("invalid parameter: at most {MAX_GROUPS_PER_CALL} groups per call"));
    }
    let launch = state.launch();
    let switches: BTreeMap<&str, bool> =
        request.group_wxids.iter().map(|wxid| (wxid.as_str(), launch.is_on(wxid))).collect();
    Json(json!({ "errcode": 0, "errmsg": "ok", "switches": switches })).into_response()
}

async fn list_set(State(state): State<SandboxState>) -> Json<BTreeMap<String, bool>> {
    Json(state.launch().switches.clone())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchRequest {
    on: bool,
}

async fn set_switch(State(state): State<SandboxState>, Path(group_wxid): Path<String>, body: Bytes) -> Response {
    let request: SwitchRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": format!("expected {{\"on\": bool}}: {error}") })))
                .into_response();
        }
    };
    tracing::info!(%group_wxid, on = request.on, "launch switch set");
    state.launch().switches.insert(group_wxid.clone(), request.on);
    Json(json!({ "group_wxid": group_wxid, "on": request.on })).into_response()
}
