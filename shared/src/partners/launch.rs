//! The launch system (投放开关): whether ads may be launched in each group. A group whose switch
//! is off loses its robot (launch-sync).

use std::collections::HashMap;

use serde::Deserialize;

use crate::config::LaunchConfig;

pub struct LaunchSystem {
    http: reqwest::Client,
    config: LaunchConfig,
}

#[derive(Deserialize)]
struct Answer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    switches: HashMap<String, bool>,
}

/// Groups asked per call.
pub const CHUNK: usize = 200;

impl LaunchSystem {
    pub fn new(http: reqwest::Client, config: LaunchConfig) -> Self {
        Self { http, config }
    }

    /// The switch of each group asked; a group the answer leaves out is taken as on.
    pub async fn switches(&self, group_wxids: &[String]) -> anyhow::Result<HashMap<String, bool>> {
        let url = self.config.base_url.join("launch/v1/switches")?;
        let answer: Answer = self
            .http
            .post(url)
            .json(&serde_json::json!({ "group_wxids": group_wxids }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        anyhow::ensure!(answer.errcode == 0, "the launch system refused: {} {}", answer.errcode, answer.errmsg);
        Ok(answer.switches)
    }
}
