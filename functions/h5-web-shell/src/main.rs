//! GET /_shell/{proxy+}: a page of the H5 app or the console that S3 has no file for (a deep
//! link, a reload). CloudFront falls over to here with the page's path behind `/_shell`; the
//! answer is the app's current index.html, so the app's own router shows the page. Not cached
//! anywhere: a new deploy's index.html shows at once.

use gpet::Ctx;
use gpet::web::{self, Shell};
use gpet_lambda::{Body, Request, Response, http};

gpet_lambda::function!(http_response, undocumented; web);

fn html(status: u16, page: String) -> Response<Body> {
    http::respond(status, "text/html; charset=utf-8", "no-cache", Body::Text(page))
}

pub async fn handle(ctx: &Ctx, req: Request) -> gpet::Result<Response<Body>> {
    let path = req.uri().path().strip_prefix("/_shell").unwrap_or("/");
    let path = if path.is_empty() { "/" } else { path };
    Ok(match web::shell(ctx, path).await {
        Ok(Shell::Page(page)) => html(200, page),
        Ok(Shell::Redirect(to)) => Response::builder()
            .status(301)
            .header("location", to)
            .body(Body::Empty)
            .expect("a redirect with valid parts builds"),
        Ok(Shell::NotFound) => {
            http::respond(404, "text/plain; charset=utf-8", "no-cache", Body::Text("not found".into()))
        }
        Ok(Shell::Unavailable) => html(503, web::MAINTENANCE_HTML.to_owned()),
        Err(e) => {
            gpet_lambda::log_failure(&e);
            html(503, web::MAINTENANCE_HTML.to_owned())
        }
    })
}
