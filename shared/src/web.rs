//! The two single-page apps' addresses: `/console/…` is the console, everything else the H5 app;
//! a path whose last segment has no file extension is one of the app's own pages and gets its
//! `index.html`. The local host serves the apps by this rule; deployed, CloudFront serves the
//! files from S3 and, for a page (a key S3 does not have), falls over to the `h5-web-shell`
//! function, which answers the app's current `index.html` by the same rule.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::context::Ctx;
use crate::error::{Error, Result};

/// Shown when the app's page cannot be had (the store behind the site is down).
pub const MAINTENANCE_HTML: &str = include_str!("../../web/h5/public/maintenance.html");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    H5,
    Console,
}

impl App {
    /// Where the app's files are, under the site's root.
    pub fn prefix(self) -> &'static str {
        match self {
            App::H5 => "",
            App::Console => "console/",
        }
    }
}

/// What a path of the site is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address<'a> {
    /// A file of `app`, at `file` under the app's root (empty: the app's root).
    File { app: App, file: &'a str },
    /// One of `app`'s own pages: its `index.html`.
    Page(App),
    /// `/console` without its slash.
    Redirect(&'static str),
    /// `..` and the like.
    Invalid,
}

pub fn address(path: &str) -> Address<'_> {
    if path == "/console" {
        return Address::Redirect("/console/");
    }
    let (app, rest) = match path.strip_prefix("/console/") {
        Some(rest) => (App::Console, rest),
        None => (App::H5, path.trim_start_matches('/')),
    };
    if rest.split('/').any(|segment| segment == ".." || segment == "." || segment.contains('\\')) {
        return Address::Invalid;
    }
    let last = rest.rsplit('/').next().unwrap_or_default();
    if last.contains('.') { Address::File { app, file: rest } } else { Address::Page(app) }
}

/// What the shell answers for a page path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shell {
    Page(String),
    Redirect(&'static str),
    /// A missing file, not a page.
    NotFound,
    /// The app's page could not be fetched: the maintenance page, with 503.
    Unavailable,
}

/// How long an instance keeps an app's `index.html`: a deploy invalidates CloudFront's copy,
/// and this one ages out within the minute.
const KEEP_INDEX: Duration = Duration::from_secs(30);

static INDEXES: Mutex<Vec<(App, Instant, String)>> = Mutex::new(Vec::new());

/// The answer for `path`, a path of the site that S3 has no file for.
#[tracing::instrument(skip(ctx))]
pub async fn shell(ctx: &Ctx, path: &str) -> Result<Shell> {
    let app = match address(path) {
        Address::Page(app) => app,
        Address::Redirect(to) => return Ok(Shell::Redirect(to)),
        Address::File { .. } | Address::Invalid => return Ok(Shell::NotFound),
    };
    if let Some(html) = cached(app) {
        return Ok(Shell::Page(html));
    }
    let url = ctx
        .web()?
        .public_base_url
        .join(&format!("{}index.html", app.prefix()))
        .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("the app's index.html address")))?;
    let fetched = async {
        let response = crate::partners::http_client()?.get(url.as_str()).send().await?.error_for_status()?;
        Ok::<_, anyhow::Error>(response.text().await?)
    };
    match fetched.await {
        Ok(html) if html.contains("<html") => {
            let mut indexes = INDEXES.lock().expect("not poisoned");
            indexes.retain(|(a, _, _)| *a != app);
            indexes.push((app, Instant::now(), html.clone()));
            Ok(Shell::Page(html))
        }
        Ok(_) => {
            tracing::warn!(%url, "the app's index.html is not HTML");
            Ok(Shell::Unavailable)
        }
        Err(e) => {
            tracing::warn!(%url, error = format!("{e:#}"), "the app's index.html cannot be fetched");
            Ok(Shell::Unavailable)
        }
    }
}

/// Drops what this instance keeps (a fresh instance, in tests).
pub fn forget_indexes() {
    INDEXES.lock().expect("not poisoned").clear();
}

fn cached(app: App) -> Option<String> {
    let indexes = INDEXES.lock().expect("not poisoned");
    indexes.iter().find(|(a, at, _)| *a == app && at.elapsed() < KEEP_INDEX).map(|(_, _, html)| html.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_files_pages_or_the_console_redirect() {
        let cases = [
            ("/", Address::Page(App::H5)),
            ("/groups/42", Address::Page(App::H5)),
            ("/assets/index-3f2a.js", Address::File { app: App::H5, file: "assets/index-3f2a.js" }),
            ("/maintenance.html", Address::File { app: App::H5, file: "maintenance.html" }),
            ("/console", Address::Redirect("/console/")),
            ("/console/", Address::Page(App::Console)),
            ("/console/users/7", Address::Page(App::Console)),
            ("/console/favicon.svg", Address::File { app: App::Console, file: "favicon.svg" }),
            ("/../etc/passwd", Address::Invalid),
            ("/console/a/../../x", Address::Invalid),
        ];
        for (path, expected) in cases {
            assert_eq!(address(path), expected, "{path}");
        }
    }
}
