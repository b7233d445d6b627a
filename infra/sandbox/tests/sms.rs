//! Aliyun SMS `SendSms` in the sandbox over real HTTP: signed by gpet's own client, by hand
//! (to tamper with), with V2, and by Aliyun's official Python SDK.

use std::path::PathBuf;
use std::process::Command;

use gpet::config::SmsConfig;
use gpet::partners::sms::{self as client, Credentials, SmsError, SmsGateway};
use gpet_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

const KEY_ID: &str = "LTAI5tTestKeyId";
const SECRET: &str = "test-access-key-secret";
const SIGN: &str = "群宠";
const TEMPLATE: &str = "SMS_123456789";
const PHONE: &str = "13812345678";

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let config = SandboxConfig {
        sms_access_key_id: KEY_ID.to_owned(),
        sms_access_key_secret: SECRET.to_owned(),
        sms_sign_name: SIGN.to_owned(),
        sms_template_code: TEMPLATE.to_owned(),
        ..SandboxConfig::default()
    };
    let sandbox = gpet_sandbox::spawn(config).await.expect("sandbox starts");
    Harness { sandbox, http: reqwest::Client::new() }
}

/// A request signed by gpet's signer, to send as it is or tampered with.
struct Call {
    url: Url,
    headers: Vec<(&'static str, String)>,
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    fn gateway(&self, key_id: &str, secret: &str) -> SmsGateway {
        SmsGateway::new(
            reqwest::Client::new(),
            SmsConfig {
                base_url: Url::parse(&self.sandbox.base_url).unwrap(),
                access_key_id: key_id.to_owned(),
                access_key_secret: SecretString::from(secret.to_owned()),
                sign_name: SIGN.to_owned(),
                template_code: TEMPLATE.to_owned(),
            },
        )
    }

    /// gpet's client as configured for this sandbox.
    fn client(&self) -> SmsGateway {
        self.gateway(KEY_ID, SECRET)
    }

    /// A verification code for `phone`, signed by gpet's signer at `date` with `nonce`.
    fn call(&self, params: &[(&str, &str)], date: &str, nonce: &str, key_id: &str, secret: &str) -> Call {
        let base = Url::parse(&self.sandbox.base_url).unwrap();
        let credentials = Credentials { access_key_id: key_id, access_key_secret: secret };
        let signed = client::sign(&base, params, client::ACTION, client::VERSION, date, nonce, &credentials).unwrap();
        Call { url: signed.url, headers: signed.headers }
    }

    fn code_call(&self, phone: &str, code: &str) -> Call {
        let param = json!({ "code": code }).to_string();
        let params =
            [("PhoneNumbers", phone), ("SignName", SIGN), ("TemplateCode", TEMPLATE), ("TemplateParam", &param)];
        self.call(&params, &date(now()), &nonce(), KEY_ID, SECRET)
    }

    async fn send(&self, call: &Call) -> (StatusCode, Value) {
        let mut request = self.http.post(call.url.clone()).body("");
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")))
    }

    async fn messages(&self, phone: Option<&str>) -> Vec<Value> {
        let mut request = self.http.get(self.url("/sandbox/sms"));
        if let Some(phone) = phone {
            request = request.query(&[("phone", phone)]);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Value = response.json().await.unwrap();
        answer["messages"].as_array().unwrap().clone()
    }

    async fn post_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

fn header_of<'a>(call: &'a mut Call, name: &str) -> &'a mut String {
    &mut call.headers.iter_mut().find(|(n, _)| *n == name).unwrap().1
}

#[tokio::test]
async fn a_code_sent_by_gpets_client_is_accepted_and_listed() {
    let h = start().await;
    h.client().send_code(PHONE, "012345").await.expect("the sandbox accepts gpet's signed SendSms");
    h.client().send_code("13900000000", "654321").await.unwrap();

    let mine = h.messages(Some(PHONE)).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    let message = &mine[0];
    assert_eq!(message["phone"], PHONE);
    assert_eq!(message["code"], "012345");
    assert_eq!(message["sign_name"], SIGN);
    assert_eq!(message["template_code"], TEMPLATE);
    assert_eq!(message["text"], "【群宠】您的验证码为：012345，该验证码 5 分钟内有效，请勿泄漏于他人！");
    assert!(message["biz_id"].as_str().unwrap().ends_with("^0"), "{message}");
    let sent_at = message["sent_at"].as_str().unwrap();
    assert!(sent_at.len() == 20 && sent_at.as_bytes()[10] == b'T' && sent_at.ends_with('Z'), "{sent_at}");

    let everyone = h.messages(None).await;
    let codes: Vec<&str> = everyone.iter().map(|message| message["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["012345", "654321"], "oldest first");
    assert!(h.messages(Some("13700000000")).await.is_empty());
}

#[tokio::test]
async fn the_answer_has_aliyuns_shape() {
    let h = start().await;
    let (status, answer) = h.send(&h.code_call(PHONE, "123456")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["Code"], "OK");
    assert_eq!(answer["Message"], "OK");
    assert!(answer["BizId"].as_str().unwrap().ends_with("^0"), "{answer}");
    assert_eq!(answer["RequestId"].as_str().unwrap().len(), 36, "{answer}");
}

#[tokio::test]
async fn a_signature_with_one_byte_changed_is_refused() {
    let h = start().await;
    let mut call = h.code_call(PHONE, "123456");
    let authorization = header_of(&mut call, "authorization");
    let last = authorization.pop().unwrap();
    authorization.push(if last == '0' { '1' } else { '0' });
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("SignatureDoesNotMatch")), "{answer}");
    assert!(answer["Message"].as_str().unwrap().contains("string to sign is:ACS3-HMAC-SHA256\n"), "{answer}");
    assert!(h.messages(None).await.is_empty());
}

#[tokio::test]
async fn anything_signed_changed_after_signing_is_refused() {
    let h = start().await;
    // The number in the query string.
    let mut call = h.code_call(PHONE, "123456");
    let query = call.url.query().unwrap().replace(PHONE, "13912345678");
    call.url.set_query(Some(&query));
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("SignatureDoesNotMatch")), "{answer}");
    // A signed header.
    let mut call = h.code_call(PHONE, "123456");
    *header_of(&mut call, "x-acs-signature-nonce") = nonce();
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("SignatureDoesNotMatch")), "{answer}");
    // A body the signature did not hash.
    let call = h.code_call(PHONE, "123456");
    let mut request =
        h.http.post(call.url.clone()).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body("OutId=1");
    for (name, value) in &call.headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["Code"], "SignatureDoesNotMatch", "{answer}");
    assert!(h.messages(None).await.is_empty());
}

#[tokio::test]
async fn a_reused_nonce_is_refused() {
    let h = start().await;
    let call = h.code_call(PHONE, "123456");
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::OK, Some("OK")), "{answer}");
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("SignatureNonceUsed")), "{answer}");
    assert_eq!(h.messages(None).await.len(), 1, "the replay was not delivered");
}

#[tokio::test]
async fn a_timestamp_more_than_15_minutes_off_is_refused() {
    let h = start().await;
    let param = json!({"code": "123456"}).to_string();
    let params = [("PhoneNumbers", PHONE), ("SignName", SIGN), ("TemplateCode", TEMPLATE), ("TemplateParam", &param)];
    for minutes in [-16, 16, -60 * 24] {
        let at = date(now() + chrono::Duration::minutes(minutes));
        let (status, answer) = h.send(&h.call(&params, &at, &nonce(), KEY_ID, SECRET)).await;
        assert_eq!(
            (status, answer["Code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("InvalidTimeStamp.Expired")),
            "{minutes} minutes: {answer}"
        );
    }
    let (status, answer) = h.send(&h.call(&params, "2026-01-01 00:00:00", &nonce(), KEY_ID, SECRET)).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("InvalidTimeStamp.Format")),
        "{answer}"
    );
    assert!(h.messages(None).await.is_empty());

    let at = date(now() - chrono::Duration::minutes(14));
    let (status, answer) = h.send(&h.call(&params, &at, &nonce(), KEY_ID, SECRET)).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::OK, Some("OK")), "14 minutes late is in time: {answer}");
}

#[tokio::test]
async fn a_wrong_secret_or_an_unknown_key_id_is_refused() {
    let h = start().await;
    let param = json!({"code": "123456"}).to_string();
    let params = [("PhoneNumbers", PHONE), ("SignName", SIGN), ("TemplateCode", TEMPLATE), ("TemplateParam", &param)];
    let (status, answer) = h.send(&h.call(&params, &date(now()), &nonce(), KEY_ID, "not-the-secret")).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("SignatureDoesNotMatch")), "{answer}");
    let (status, answer) = h.send(&h.call(&params, &date(now()), &nonce(), "LTAI5tOtherKey", SECRET)).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (StatusCode::NOT_FOUND, Some("InvalidAccessKeyId.NotFound")),
        "{answer}"
    );

    // gpet's client reads both as a failure of the provider, and says nothing of the request.
    for gateway in [h.gateway(KEY_ID, "not-the-secret"), h.gateway("LTAI5tOtherKey", SECRET)] {
        match gateway.send_code(PHONE, "123456").await {
            Err(SmsError::Failed(error)) => {
                let text = format!("{error:#}");
                assert!(
                    text.contains("SignatureDoesNotMatch") || text.contains("InvalidAccessKeyId.NotFound"),
                    "{text}"
                );
                for secret in [PHONE, "123456", "string to sign", "127.0.0.1"] {
                    assert!(!text.contains(secret), "{secret} in {text}");
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(h.messages(None).await.is_empty());
}

#[tokio::test]
async fn unsigned_or_incompletely_signed_requests_are_refused() {
    let h = start().await;
    let unsigned = h.http.post(h.url("/?PhoneNumbers=13812345678"));
    let response =
        unsigned.header("x-acs-action", "SendSms").header("x-acs-version", "2017-05-25").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["Code"], "IncompleteSignature", "{answer}");

    // An x-acs header sent but left out of the signature.
    let mut call = h.code_call(PHONE, "123456");
    call.headers.push(("x-acs-extra", "1".to_owned()));
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("IncompleteSignature")), "{answer}");

    let mut call = h.code_call(PHONE, "123456");
    *header_of(&mut call, "x-acs-action") = "SendBatchSms".to_owned();
    let (status, answer) = h.send(&call).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::NOT_FOUND, Some("InvalidAction.NotFound")), "{answer}");
    assert!(h.messages(None).await.is_empty());

    // The index page is still where people open it.
    let index = h.http.get(h.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(index.contains("gpet sandbox") && index.contains(KEY_ID), "{index}");
}

#[tokio::test]
async fn business_refusals_answer_200_with_aliyuns_codes() {
    let h = start().await;
    let code = json!({"code": "123456"}).to_string();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("PhoneNumbers", PHONE), ("SignName", "阿里云"), ("TemplateCode", TEMPLATE), ("TemplateParam", &code)],
            "isv.SMS_SIGNATURE_ILLEGAL",
        ),
        (
            &[("PhoneNumbers", PHONE), ("SignName", SIGN), ("TemplateCode", "SMS_1"), ("TemplateParam", &code)],
            "isv.SMS_TEMPLATE_ILLEGAL",
        ),
        (
            &[
                ("PhoneNumbers", PHONE),
                ("SignName", SIGN),
                ("TemplateCode", TEMPLATE),
                ("TemplateParam", r#"{"code":123456}"#),
            ],
            "isv.INVALID_JSON_PARAM",
        ),
        (&[("PhoneNumbers", PHONE), ("SignName", SIGN), ("TemplateCode", TEMPLATE)], "isv.TEMPLATE_MISSING_PARAMETERS"),
        (
            &[
                ("PhoneNumbers", "12812345678"),
                ("SignName", SIGN),
                ("TemplateCode", TEMPLATE),
                ("TemplateParam", &code),
            ],
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
        (
            &[("PhoneNumbers", "1381234567"), ("SignName", SIGN), ("TemplateCode", TEMPLATE), ("TemplateParam", &code)],
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
    ];
    for (params, expected) in cases {
        let (status, answer) = h.send(&h.call(params, &date(now()), &nonce(), KEY_ID, SECRET)).await;
        assert_eq!((status, answer["Code"].as_str()), (StatusCode::OK, Some(expected)), "{params:?}: {answer}");
        assert_eq!(answer["BizId"], "", "{answer}");
    }
    let (status, answer) = h
        .send(&h.call(&[("SignName", SIGN), ("TemplateCode", TEMPLATE)], &date(now()), &nonce(), KEY_ID, SECRET))
        .await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::BAD_REQUEST, Some("MissingPhoneNumbers")), "{answer}");
    assert!(h.messages(None).await.is_empty());

    match h.client().send_code("12812345678", "123456").await {
        Err(SmsError::BadNumber { code }) => assert_eq!(code, "isv.MOBILE_NUMBER_ILLEGAL"),
        other => panic!("{other:?}"),
    }
    // With a country prefix, the number is taken.
    h.client().send_code("+8613700000000", "123456").await.unwrap();
    assert_eq!(h.messages(Some("13700000000")).await.len(), 1);
}

#[tokio::test]
async fn the_flow_control_refuses_a_second_code_within_a_minute_until_raised() {
    let h = start().await;
    h.client().send_code(PHONE, "111111").await.unwrap();
    let (status, answer) = h.send(&h.code_call(PHONE, "222222")).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::OK, Some("isv.BUSINESS_LIMIT_CONTROL")), "{answer}");
    assert_eq!(answer["Message"], "触发分钟级流控Permits:1");
    match h.client().send_code(PHONE, "333333").await {
        Err(SmsError::RateLimited { code }) => assert_eq!(code, "isv.BUSINESS_LIMIT_CONTROL"),
        other => panic!("{other:?}"),
    }
    h.client().send_code("13900000000", "444444").await.expect("another number is not limited");

    let shown: Value = h.http.get(h.url("/sandbox/sms/limits")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown, json!({"per_minute": 1, "per_hour": 5, "per_day": 10}));
    let (status, _) = h.post_json("/sandbox/sms/limits", json!({"per_minute": 3, "per_hour": 20, "per_day": 40})).await;
    assert_eq!(status, StatusCode::OK);
    h.client().send_code(PHONE, "555555").await.unwrap();
    h.client().send_code(PHONE, "666666").await.unwrap();
    assert!(matches!(h.client().send_code(PHONE, "777777").await, Err(SmsError::RateLimited { .. })));
    let codes: Vec<Value> = h.messages(Some(PHONE)).await.iter().map(|message| message["code"].clone()).collect();
    assert_eq!(codes, [json!("111111"), json!("555555"), json!("666666")]);

    for bad in [json!({"per_minute": 0, "per_hour": 1, "per_day": 1}), json!({"per_minute": 1})] {
        assert_eq!(h.post_json("/sandbox/sms/limits", bad.clone()).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn faults_answer_aliyuns_codes_then_clear() {
    let h = start().await;
    let (status, faults) = h.post_json("/sandbox/sms/faults", json!({"fail_next": 1})).await;
    assert_eq!((status, faults), (StatusCode::OK, json!({"fail_next": 1, "code": "isp.SYSTEM_ERROR"})));
    let (status, answer) = h.send(&h.code_call(PHONE, "111111")).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::OK, Some("isp.SYSTEM_ERROR")), "{answer}");

    h.post_json("/sandbox/sms/faults", json!({"fail_next": 2, "code": "ServiceUnavailable"})).await;
    let (status, answer) = h.send(&h.code_call(PHONE, "222222")).await;
    assert_eq!((status, answer["Code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("ServiceUnavailable")));
    assert!(matches!(h.client().send_code(PHONE, "333333").await, Err(SmsError::Failed(_))));
    h.client().send_code(PHONE, "444444").await.expect("the fault cleared itself");

    h.post_json("/sandbox/sms/faults", json!({"fail_next": 1, "code": "isv.BUSINESS_LIMIT_CONTROL"})).await;
    assert!(matches!(h.client().send_code("13900000000", "555555").await, Err(SmsError::RateLimited { .. })));
    let codes: Vec<Value> = h.messages(None).await.iter().map(|message| message["code"].clone()).collect();
    assert_eq!(codes, [json!("444444")], "faulted sends are not delivered");

    // A fault does not answer for a bad signature, which is refused anyway.
    h.post_json("/sandbox/sms/faults", json!({"fail_next": 1})).await;
    let mut call = h.code_call(PHONE, "666666");
    header_of(&mut call, "authorization").push('0');
    assert_eq!(h.send(&call).await.1["Code"], "SignatureDoesNotMatch");
    let shown: Value = h.http.get(h.url("/sandbox/sms/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["fail_next"], 1, "still armed");
    let (_, cleared) = h.post_json("/sandbox/sms/faults", json!({"fail_next": 0})).await;
    assert_eq!(cleared["fail_next"], 0);

    assert_eq!(h.post_json("/sandbox/sms/faults", json!({"fail_next": -1})).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        h.post_json("/sandbox/sms/faults", json!({"fail_next": 1, "code": "OK"})).await.0,
        StatusCode::BAD_REQUEST
    );
}

/// A V2 request (HMAC-SHA1 over the parameters), as older SDKs send it: signed with the
/// sandbox's V2 functions, which reproduce Aliyun's published examples (unit tests).
fn v2_url(base: &str, method: &str, format: Option<&str>, secret: &str) -> String {
    let mut params: Vec<(String, String)> = [
        ("AccessKeyId", KEY_ID.to_owned()),
        ("Action", "SendSms".to_owned()),
        ("Version", "2017-05-25".to_owned()),
        ("SignatureMethod", "HMAC-SHA1".to_owned()),
        ("SignatureVersion", "1.0".to_owned()),
        ("SignatureNonce", nonce()),
        ("Timestamp", date(now())),
        ("PhoneNumbers", "13600000000".to_owned()),
        ("SignName", SIGN.to_owned()),
        ("TemplateCode", TEMPLATE.to_owned()),
        ("TemplateParam", json!({"code": "246810"}).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(format) = format {
        params.push(("Format".to_owned(), format.to_owned()));
    }
    let signature = gpet_sandbox::sms::v2_signature(secret, &gpet_sandbox::sms::v2_string_to_sign(method, &params));
    params.push(("Signature".to_owned(), signature));
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", gpet_sandbox::sms::percent_encode(k), gpet_sandbox::sms::percent_encode(v)))
        .collect();
    format!("{base}/?{}", query.join("&"))
}

#[tokio::test]
async fn a_v2_signed_request_is_accepted_and_answers_xml_unless_json_is_asked() {
    let h = start().await;
    h.post_json("/sandbox/sms/limits", json!({"per_minute": 10, "per_hour": 10, "per_day": 10})).await;
    let base = &h.sandbox.base_url;
    let response = h.http.get(v2_url(base, "GET", None, SECRET)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let xml = response.text().await.unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<Code>OK</Code>") && xml.contains("<BizId>"), "{xml}");

    let response = h.http.post(v2_url(base, "POST", Some("JSON"), SECRET)).send().await.unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["Code"], "OK", "{answer}");

    // Signed for GET, sent as POST: the method is signed.
    let response = h.http.post(v2_url(base, "GET", Some("JSON"), SECRET)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["Code"], "SignatureDoesNotMatch");
    let response = h.http.get(v2_url(base, "GET", Some("JSON"), "wrong")).send().await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["Code"], "SignatureDoesNotMatch");
    assert_eq!(h.messages(Some("13600000000")).await.len(), 2);
}

/// The venv's python with Aliyun's SDK (infra/scripts/services.sh makes it), or
/// `GPET_ALIYUN_SDK_PYTHON`.
fn sdk_python() -> PathBuf {
    if let Ok(python) = std::env::var("GPET_ALIYUN_SDK_PYTHON") {
        return PathBuf::from(python);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".local/aliyun-sdk/bin/python");
    assert!(
        python.exists(),
        "{} is missing: infra/scripts/services.sh installs Aliyun's SDK (alibabacloud_dysmsapi20170525) there",
        python.display()
    );
    python
}

#[tokio::test]
async fn aliyuns_official_python_sdk_sends_through_the_sandbox() {
    let h = start().await;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/aliyun_sdk_send_sms.py");
    let python = sdk_python();
    let endpoint = h.sandbox.addr.to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("SMS_ENDPOINT", endpoint)
            .env("SMS_ACCESS_KEY_ID", KEY_ID)
            .env("SMS_ACCESS_KEY_SECRET", SECRET)
            .env("SMS_SIGN_NAME", SIGN)
            .env("SMS_TEMPLATE_CODE", TEMPLATE)
            .env("SMS_PHONE", PHONE)
            .env("SMS_CODE", "135790")
            .output()
            .expect("the SDK's python runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<Value> = stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(results.len(), 2, "{stdout}");
    assert_eq!(results[0]["code"], "OK", "{stdout}");
    assert!(results[0]["biz_id"].as_str().unwrap().ends_with("^0"), "{stdout}");
    assert_eq!(
        (&results[1]["code"], &results[1]["status"]),
        (&json!("SignatureDoesNotMatch"), &json!(400)),
        "{stdout}"
    );

    let mine = h.messages(Some(PHONE)).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["code"], "135790");
    assert_eq!(mine[0]["biz_id"], results[0]["biz_id"]);
}

#[tokio::test]
async fn the_inbox_page_shows_the_latest_messages_escaped() {
    let h = start().await;
    let empty = h.http.get(h.url("/sandbox/sms/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(empty.contains("还没有短信"), "{empty}");

    h.client().send_code(PHONE, "112233").await.unwrap();
    h.client().send_code("13900000000", "<b>").await.unwrap();
    let response = h.http.get(h.url("/sandbox/sms/inbox")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("【群宠】您的验证码为：112233，该验证码 5 分钟内有效"), "{page}");
    assert!(page.contains("&lt;b&gt;") && !page.contains("<b>"), "{page}");
    assert!(page.find("13900000000").unwrap() < page.find(PHONE).unwrap(), "newest first");

    let index = h.http.get(h.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(index.contains(r#"href="/sandbox/sms/inbox""#), "{index}");
}
