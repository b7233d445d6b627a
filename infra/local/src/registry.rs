//! Every function's handler, by binary name, so the local host can run them in-process: the
//! functions of template.yaml, compiled into the host (`crate::functions`, see build.rs).

pub use gpet_lambda::function::{DeployFn, Entry, Handler, HttpFn, JobFn, SqsFn};

pub fn entries() -> Vec<Entry> {
    crate::functions::entries()
}

pub fn find(binary: &str) -> Option<Entry> {
    entries().into_iter().find(|e| e.binary == binary)
}

/// The OpenAPI document, generated from the handlers' annotations, with the answers every route
/// shares added by [`shared_responses`].
pub fn openapi() -> serde_json::Value {
    use utoipa::OpenApi as _;
    #[derive(utoipa::OpenApi)]
    #[openapi(info(
        title = "gpet API",
        description = "Every JSON answer is the envelope {code, msg, data}; `code` is one of SPEC.md's codes (the schema Code lists them with their meanings)."
    ))]
    struct ApiDoc;
    let mut api = ApiDoc::openapi();
    for routes in entries().iter().filter_map(|e| e.openapi) {
        api.merge(routes());
    }
    let mut doc = serde_json::to_value(api).expect("the document serializes");
    shared_responses(&mut doc);
    doc
}

/// Routes that answer without a login (or with an optional one: `/api/track`).
const PUBLIC: &[&str] = &[
    "/api/auth/wechat/authorize",
    "/api/auth/wechat/callback",
    "/api/auth/logout",
    "/api/console/auth/login",
    "/api/console/auth/logout",
    "/api/track",
    "/s/{code}",
];

/// The answers routes give by what they are rather than by what they do, declared once here (as
/// `components.responses`) and referenced from every operation they apply to:
/// - every route: 400 (1403), which the guard in front of every function answers to a control
///   character in the query or path, and every handler to bad input;
/// - a route with a path parameter: 404 (1404, also for an id that is not a number);
/// - a route with a body: 413 (1403, the body over its limit);
/// - a write (POST, PUT, DELETE) but a partner's callback: 403 (1403, cross-site) and 415 (1403,
///   a body that is not `application/json`);
/// - the H5 API behind a login: 401 (1401, 1406) and 503 (1503, maintenance); the console behind
///   a login: 401, and 403 (1401: the role does not allow it, or the password must change first).
///
/// Every other non-2xx answer a route declares gets the error envelope as its body.
fn shared_responses(doc: &mut serde_json::Value) {
    use serde_json::json;

    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let shared = [
        ("400", "BadRequest", "1403: a parameter or the body is wrong, or holds a control character (msg says what)"),
        ("401", "Unauthorized", "1401: not logged in; 1406: the token expired (refresh it)"),
        (
            "403",
            "Forbidden",
            "1401: the role does not allow it, or the initial password must be changed first; 1403: a cross-site request",
        ),
        ("404", "NotFound", "1404: no such thing (or not the caller's)"),
        ("413", "PayloadTooLarge", "1403: the body is over its limit"),
        ("415", "UnsupportedMediaType", "1403: the body is not application/json"),
        ("503", "Maintenance", "1503: under maintenance (msg is the operators' notice)"),
    ];
    let components = doc["components"].as_object_mut().expect("the document has components");
    let responses = components.entry("responses").or_insert_with(|| json!({}));
    for (_, name, description) in shared {
        let mut response = error.clone();
        response["description"] = json!(description);
        responses[name] = response;
    }
    components["schemas"]["Error"] = json!({
        "type": "object",
        "description": "The envelope of a refusal or a failure.",
        "required": ["code", "msg", "data"],
        "properties": {
            "code": {"$ref": "#/components/schemas/Code"},
            "msg": {"type": "string", "description": "What was wrong, in Chinese, to show as it is"},
            "data": {"description": "Null, or what the code tells more of (the words of a 2003)"}
        }
    });
    let reference = |status: &str| {
        let (_, name, _) = shared.iter().find(|(s, _, _)| *s == status).expect("a shared response");
        json!({"$ref": format!("#/components/responses/{name}")})
    };
    for (path, item) in doc["paths"].as_object_mut().expect("the document has paths") {
        for (method, operation) in item.as_object_mut().expect("a path item is an object") {
            let Some(operation) = operation.as_object_mut() else { continue };
            if !operation.contains_key("responses") {
                continue;
            }
            // One id per operation (utoipa names every one after its function, `handle`).
            operation.insert("operationId".to_owned(), json!(operation_id(method, path)));
            let write = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            let has_body = operation.contains_key("requestBody");
            let has_path_param = path.contains('{');
            let callback = path.starts_with("/api/callbacks/");
            let public = PUBLIC.contains(&path.as_str()) || callback;
            let console = path.starts_with("/api/console/");
            let mut statuses = vec!["400"];
            if has_path_param {
                statuses.push("404");
            }
            if has_body {
                statuses.push("413");
            }
            if write && !callback {
                statuses.extend(["403", "415"]);
            }
            match (public, console) {
                (false, true) => statuses.extend(["401", "403"]),
                (false, false) => statuses.extend(["401", "503"]),
                // The optional login of the tracking batch still stops for maintenance.
                (true, false) if path == "/api/track" => statuses.push("503"),
                _ => {}
            }
            // The limits of every paged list (gpet::paging::PageRequest).
            for parameter in operation.get_mut("parameters").and_then(|p| p.as_array_mut()).into_iter().flatten() {
                let limits = match parameter["name"].as_str() {
                    Some("page") => json!({"type": "integer", "minimum": 1, "maximum": 1_000_000}),
                    Some("page_size") => {
                        json!({"type": "integer", "minimum": 1, "maximum": gpet::paging::MAX_PAGE_SIZE})
                    }
                    _ => continue,
                };
                if parameter["in"] == "query" {
                    parameter["schema"] = limits;
                }
            }
            let responses = operation["responses"].as_object_mut().expect("responses is an object");
            for status in statuses {
                responses.entry(status).or_insert_with(|| reference(status));
            }
            for (status, response) in responses.iter_mut() {
                let declared_error = status.starts_with('4') || status.starts_with('5');
                if declared_error && response.get("content").is_none() && response.get("$ref").is_none() {
                    response["content"] = error["content"].clone();
                }
            }
        }
    }
}

/// `get /api/console/users/{id}` → `getApiConsoleUsersById`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for word in path.split(|c: char| !c.is_ascii_alphanumeric() && c != '{') {
        let (by, word) = match word.strip_prefix('{') {
            Some(name) => ("By", name),
            None => ("", word),
        };
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push_str(by);
            id.extend(first.to_uppercase().chain(chars));
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                all.push((method.clone(), path.clone(), operation));
            }
        }
        all
    }

    #[test]
    fn every_operation_has_its_own_id_and_its_refusals_answer_the_envelope() {
        let doc = super::openapi();
        let mut ids = std::collections::HashSet::new();
        for (method, path, operation) in operations(&doc) {
            assert!(ids.insert(operation["operationId"].as_str().unwrap().to_owned()), "{method} {path}");
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let envelope = response.get("$ref").is_some() || response.get("content").is_some();
                    assert!(envelope, "{method} {path} {status} has no body: {response}");
                }
            }
            assert!(operation["responses"]["400"].is_object(), "{method} {path}: the guard's 400");
        }
        assert_eq!(super::operation_id("get", "/api/console/users/{id}"), "getApiConsoleUsersById");
    }

    #[test]
    fn the_shared_answers_go_where_they_happen() {
        let doc = super::openapi();
        let responses = |method: &str, path: &str| doc["paths"][path][method]["responses"].clone();
        let assign = responses("post", "/api/robots/assign");
        for status in ["401", "403", "415", "422", "503"] {
            assert!(assign[status].is_object(), "assign {status}: {assign}");
        }
        assert!(assign["422"]["description"].as_str().unwrap().contains("1600"), "1600 is a 422: {assign}");
        assert!(assign["404"].is_null(), "{assign}");
        let console = responses("get", "/api/console/users/{id}");
        for status in ["401", "403", "404"] {
            assert!(console[status].is_object(), "console user {status}: {console}");
        }
        assert!(console["503"].is_null(), "maintenance is the H5 API's only");
        let login = responses("post", "/api/console/auth/login");
        assert!(login["401"].is_null() || login["401"]["$ref"].is_null(), "the login is public: {login}");
        assert!(login["413"].is_object() && login["415"].is_object(), "{login}");
        let callback = responses("post", "/api/callbacks/robot-events");
        assert!(callback["415"].is_null(), "a partner's callback takes its own content type: {callback}");
    }

    #[test]
    fn codes_are_integers_and_answers_fit_their_schemas() {
        let doc = super::openapi();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Code"]["type"], "integer");
        assert_eq!(schemas["Error"]["properties"]["code"]["$ref"], "#/components/schemas/Code");
        // The GET and the PUT answer released_pct_now beside the strategy's own fields.
        let distribution = &schemas["Distribution"];
        assert!(distribution["properties"]["released_pct_now"].is_object(), "{distribution}");
        assert!(distribution.get("additionalProperties").is_none() && distribution.get("allOf").is_none());
        // What refuses unknown fields is a request's schema, and no answer's.
        assert_eq!(schemas["DistributionSettings"]["additionalProperties"], false);
    }
}
