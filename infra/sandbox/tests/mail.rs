//! The alerts' channels over the wire: lettre (the client gpet's alerts use) against the
//! sandbox's SMTP server over STARTTLS and implicit TLS with AUTH, raw SMTP where a client
//! could misbehave, and the WeCom webhook over HTTP.

use std::time::Duration;

use gpet_sandbox::smtp::SmtpConfig;
use gpet_sandbox::{Sandbox, SandboxConfig};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

const USER: &str = "alerts@gpet.test";
const PASSWORD: &str = "smtp-test-password";
const WECOM_KEY: &str = "test-wecom-key";

/// A test CA and a server certificate it issued for localhost and 127.0.0.1 (a leaf, not a CA:
/// webpki refuses a CA certificate as a server's).
struct Pki {
    ca_pem: String,
    chain_pem: String,
    key_pem: String,
}

fn pki() -> Pki {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name.push(DnType::CommonName, "gpet sandbox test CA");
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let chain_pem = leaf.signed_by(&leaf_key, &Issuer::new(ca, &ca_key)).unwrap().pem();
    Pki { ca_pem, chain_pem, key_pem: leaf_key.serialize_pem() }
}

struct Harness {
    sandbox: Sandbox,
    ca_pem: String,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let pki = pki();
    let smtp = SmtpConfig {
        username: USER.to_owned(),
        password: PASSWORD.to_owned(),
        cert_chain_pem: pki.chain_pem,
        key_pem: pki.key_pem,
        starttls_port: 0,
        implicit_port: 0,
    };
    let config =
        SandboxConfig { smtp: Some(smtp), wecom_webhook_key: WECOM_KEY.to_owned(), ..SandboxConfig::default() };
    let sandbox = gpet_sandbox::spawn(config).await.expect("sandbox starts");
    Harness { sandbox, ca_pem: pki.ca_pem, http: reqwest::Client::new() }
}

#[derive(Clone, Copy)]
enum Mode {
    StartTls,
    Implicit,
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// lettre as gpet sets it up: the server's name checked against the test CA (beside the
    /// public roots), AUTH with `password`.
    fn transport(&self, mode: Mode, password: &str) -> AsyncSmtpTransport<Tokio1Executor> {
        self.transport_as(mode, self.tls(true), USER, password, None)
    }

    /// TLS parameters for localhost: the public roots, and the test CA when `with_ca`.
    fn tls(&self, with_ca: bool) -> TlsParameters {
        let mut tls = TlsParameters::builder("localhost".to_owned());
        if with_ca {
            tls = tls.add_root_certificate(Certificate::from_pem(self.ca_pem.as_bytes()).unwrap());
        }
        tls.build().unwrap()
    }

    fn transport_as(
        &self,
        mode: Mode,
        tls: TlsParameters,
        user: &str,
        password: &str,
        mechanism: Option<Mechanism>,
    ) -> AsyncSmtpTransport<Tokio1Executor> {
        let addrs = self.sandbox.smtp.expect("the SMTP server listens");
        let (tls, port) = match mode {
            Mode::StartTls => (Tls::Required(tls), addrs.starttls.port()),
            Mode::Implicit => (Tls::Wrapper(tls), addrs.implicit.port()),
        };
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("localhost")
            .tls(tls)
            .port(port)
            .credentials(Credentials::new(user.to_owned(), password.to_owned()))
            .timeout(Some(Duration::from_secs(5)));
        if let Some(mechanism) = mechanism {
            transport = transport.authentication(vec![mechanism]);
        }
        transport.build()
    }

    async fn mails(&self) -> Vec<Value> {
        self.listing().await["messages"].as_array().unwrap().clone()
    }

    async fn wecom_messages(&self) -> Vec<Value> {
        self.listing().await["wecom"].as_array().unwrap().clone()
    }

    async fn listing(&self) -> Value {
        let response = self.http.get(self.url("/sandbox/mail")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn set_faults(&self, body: Value) -> (u16, Value) {
        let response = self.http.post(self.url("/sandbox/mail/faults")).json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn webhook(&self, key: Option<&str>, body: &Value) -> Value {
        let mut request = self.http.post(self.url("/cgi-bin/webhook/send")).json(body);
        if let Some(key) = key {
            request = request.query(&[("key", key)]);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "WeCom answers 200 and an errcode");
        response.json().await.unwrap()
    }
}

fn alert(subject: &str, text: &str) -> Message {
    Message::builder()
        .from("gpet 告警 <alerts@gpet.test>".parse().unwrap())
        .to("oncall@gpet.test".parse().unwrap())
        .to("finance@gpet.test".parse().unwrap())
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text.to_owned())
        .unwrap()
}

fn markdown(content: &str) -> Value {
    json!({"msgtype": "markdown", "markdown": {"content": content}})
}

#[tokio::test]
async fn a_mail_over_starttls_with_auth_plain_arrives_decoded() {
    let h = start().await;
    let text = "第 3 步失败：连接超时\n详情见控制台";
    h.transport(Mode::StartTls, PASSWORD).send(alert("[gpet] 结算失败 2026-01-01", text)).await.unwrap();

    let mails = h.mails().await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail["from"], "alerts@gpet.test");
    assert_eq!(mail["to"], "oncall@gpet.test,finance@gpet.test");
    assert_eq!(mail["subject"], "[gpet] 结算失败 2026-01-01");
    assert_eq!(mail["text"], text);
    assert_eq!((&mail["tls"], &mail["user"], &mail["mechanism"]), (&json!("starttls"), &json!(USER), &json!("PLAIN")));
    assert!(mail["at"].as_str().unwrap().ends_with("+08:00"), "{mail}");
    assert!(
        mail["raw"].as_str().unwrap().contains("Subject: [gpet] =?utf-8?b?"),
        "the subject travelled encoded: {mail}"
    );
}

#[tokio::test]
async fn a_mail_over_implicit_tls_with_auth_login_arrives() {
    let h = start().await;
    // PLAIN is what lettre picks first; LOGIN is the other mechanism providers offer.
    let login = h.transport_as(Mode::Implicit, h.tls(true), USER, PASSWORD, Some(Mechanism::Login));
    login.send(alert("[gpet] 商户余额不足", "余额 12.00 元")).await.unwrap();
    h.transport(Mode::Implicit, PASSWORD).send(alert("[gpet] plain too", "x")).await.unwrap();

    let mails = h.mails().await;
    let seen: Vec<_> = mails.iter().map(|m| (m["subject"].clone(), m["tls"].clone(), m["mechanism"].clone())).collect();
    assert_eq!(
        seen,
        [
            (json!("[gpet] 商户余额不足"), json!("implicit"), json!("LOGIN")),
            (json!("[gpet] plain too"), json!("implicit"), json!("PLAIN"))
        ]
    );
    assert_eq!(mails[0]["text"], "余额 12.00 元");
}

#[tokio::test]
async fn a_wrong_password_or_user_is_refused_with_535_and_nothing_is_kept() {
    let h = start().await;
    for mode in [Mode::StartTls, Mode::Implicit] {
        let error = h.transport(mode, "not-the-password").send(alert("s", "t")).await.unwrap_err();
        assert!(error.is_permanent(), "{error}");
        assert_eq!(error.status().map(u16::from), Some(535), "{error}");
    }
    for mechanism in [Mechanism::Plain, Mechanism::Login] {
        let stranger = h.transport_as(Mode::StartTls, h.tls(true), "someone@gpet.test", PASSWORD, Some(mechanism));
        let error = stranger.send(alert("s", "t")).await.unwrap_err();
        assert_eq!(error.status().map(u16::from), Some(535), "{mechanism:?}: {error}");
    }
    assert!(h.mails().await.is_empty());
}

#[tokio::test]
async fn a_client_without_the_ca_refuses_the_server() {
    let h = start().await;
    // Public roots only: the sandbox's certificate is not theirs.
    for mode in [Mode::StartTls, Mode::Implicit] {
        let transport = h.transport_as(mode, h.tls(false), USER, PASSWORD, None);
        let error = transport.send(alert("s", "t")).await.unwrap_err();
        assert!(error.to_string().contains("certificate"), "{error}");
    }
    assert!(h.mails().await.is_empty());
}

#[tokio::test]
async fn lines_starting_with_a_dot_arrive_unstuffed() {
    let h = start().await;
    // lettre doubles each leading dot on the wire; a line of one dot would otherwise end DATA.
    let text = "first\n.\n.leading dot\n..two dots\nlast .";
    h.transport(Mode::StartTls, PASSWORD).send(alert("dots", text)).await.unwrap();
    let mails = h.mails().await;
    assert_eq!(mails[0]["text"], text, "{}", mails[0]);
    assert!(mails[0]["raw"].as_str().unwrap().contains("\r\n.\r\n.leading dot\r\n..two dots\r\n"), "{}", mails[0]);
}

/// Raw SMTP on the STARTTLS port: a reader of whole replies.
struct Raw {
    reader: BufReader<TcpStream>,
}

impl Raw {
    async fn connect(h: &Harness) -> Raw {
        let stream = TcpStream::connect(h.sandbox.smtp.unwrap().starttls).await.unwrap();
        let mut raw = Raw { reader: BufReader::new(stream) };
        assert!(raw.reply().await.starts_with("220 "));
        raw
    }

    /// One reply, all its lines.
    async fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            reply.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                return reply;
            }
        }
    }

    async fn say(&mut self, line: &str) -> String {
        self.reader.get_mut().write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
        self.reply().await
    }
}

#[tokio::test]
async fn nothing_but_starttls_is_taken_before_tls() {
    let h = start().await;
    let mut raw = Raw::connect(&h).await;
    let ehlo = raw.say("EHLO client.test").await;
    assert!(ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"), "no AUTH offered in the clear: {ehlo}");
    let plain = base64_of(&format!("\0{USER}\0{PASSWORD}"));
    for command in [format!("AUTH PLAIN {plain}"), "MAIL FROM:<a@gpet.test>".to_owned(), "DATA".to_owned()] {
        let reply = raw.say(&command).await;
        assert!(reply.starts_with("530 "), "{command}: {reply}");
    }
    assert!(raw.say("FROB").await.starts_with("502 "));
    // Commands pipelined behind STARTTLS are not carried into the TLS session.
    raw.reader.get_mut().write_all(b"STARTTLS\r\nMAIL FROM:<a@gpet.test>\r\n").await.unwrap();
    assert!(raw.reply().await.starts_with("501 "));
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn faults_refuse_drop_or_stall_then_clear() {
    let h = start().await;
    let (status, faults) = h.set_faults(json!({"refuse_next": 1, "drop_next": 1})).await;
    assert_eq!(status, 200);
    assert_eq!(faults, json!({"refuse_next": 1, "drop_next": 1, "stall_next": 0, "wecom_fail_next": 0}));

    let transport = h.transport(Mode::StartTls, PASSWORD);
    // One message meets one fault: the first is dropped (no answer at all), the next refused.
    let dropped = transport.send(alert("dropped", "t")).await.unwrap_err();
    assert!(dropped.status().is_none(), "no answer came: {dropped}");
    let refused = transport.send(alert("refused", "t")).await.unwrap_err();
    assert_eq!(refused.status().map(u16::from), Some(554), "{refused}");

    h.set_faults(json!({"stall_next": 1})).await;
    let stalled = tokio::time::timeout(Duration::from_secs(2), transport.send(alert("stalled", "t"))).await;
    assert!(stalled.is_err(), "a server that never greets holds the client past its own timeout");

    transport.send(alert("goes through", "t")).await.unwrap();
    let subjects: Vec<Value> = h.mails().await.iter().map(|m| m["subject"].clone()).collect();
    assert_eq!(subjects, [json!("goes through")], "nothing failed is kept");
    let shown: Value = h.http.get(h.url("/sandbox/mail/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown, json!({"refuse_next": 0, "drop_next": 0, "stall_next": 0, "wecom_fail_next": 0}));
    for bad in [json!({"refuse_next": -1}), json!({"fail_next": 1})] {
        assert_eq!(h.set_faults(bad.clone()).await.0, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_webhook_takes_markdown_for_its_own_key_only() {
    let h = start().await;
    let content = "**[gpet] 结算失败 2026-01-01**\n第 3 步失败";
    assert_eq!(h.webhook(Some(WECOM_KEY), &markdown(content)).await, json!({"errcode": 0, "errmsg": "ok"}));
    for key in [Some("another-robot"), Some(""), None] {
        let answer = h.webhook(key, &markdown("x")).await;
        assert_eq!(answer["errcode"], 93000, "{key:?}: {answer}");
    }
    let text = json!({"msgtype": "text", "text": {"content": "纯文本"}});
    assert_eq!(h.webhook(Some(WECOM_KEY), &text).await["errcode"], 0);

    let taken: Vec<(Value, Value)> =
        h.wecom_messages().await.iter().map(|m| (m["msgtype"].clone(), m["content"].clone())).collect();
    assert_eq!(taken, [(json!("markdown"), json!(content)), (json!("text"), json!("纯文本"))]);
    assert!(h.mails().await.is_empty());
}

#[tokio::test]
async fn the_webhook_refuses_markdown_over_4096_bytes_with_40058() {
    let h = start().await;
    // 1,365 characters of 3 bytes and one byte: 4,096 bytes, taken; one more byte is refused.
    let at_limit = format!("{}a", "账".repeat(1365));
    assert_eq!(h.webhook(Some(WECOM_KEY), &markdown(&at_limit)).await["errcode"], 0);
    let answer = h.webhook(Some(WECOM_KEY), &markdown(&format!("{at_limit}b"))).await;
    assert_eq!(answer["errcode"], 40058, "{answer}");
    assert!(answer["errmsg"].as_str().unwrap().contains("exceed max length 4096"), "{answer}");
    assert_eq!(h.webhook(Some(WECOM_KEY), &json!({"msgtype": "news"})).await["errcode"], 40008);
    assert_eq!(h.wecom_messages().await.len(), 1);
}

#[tokio::test]
async fn a_robot_takes_20_messages_a_minute_then_answers_45009() {
    let h = start().await;
    for n in 0..20 {
        let answer = h.webhook(Some(WECOM_KEY), &markdown(&format!("alert {n}"))).await;
        assert_eq!(answer["errcode"], 0, "message {n}: {answer}");
    }
    let answer = h.webhook(Some(WECOM_KEY), &markdown("one too many")).await;
    assert_eq!(answer["errcode"], 45009, "{answer}");
    assert_eq!(h.wecom_messages().await.len(), 20);
}

#[tokio::test]
async fn a_webhook_fault_answers_busy_then_clears() {
    let h = start().await;
    h.set_faults(json!({"wecom_fail_next": 1})).await;
    // A wrong key is refused as such, and does not use the fault up.
    assert_eq!(h.webhook(Some("wrong"), &markdown("x")).await["errcode"], 93000);
    assert_eq!(h.webhook(Some(WECOM_KEY), &markdown("busy")).await["errcode"], -1);
    assert_eq!(h.webhook(Some(WECOM_KEY), &markdown("taken")).await["errcode"], 0);
    let contents: Vec<Value> = h.wecom_messages().await.iter().map(|m| m["content"].clone()).collect();
    assert_eq!(contents, [json!("taken")]);
}
