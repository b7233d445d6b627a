//! A real SMTP submission server (RFC 5321, 3207, 4954) for gpet's alert mail: two listeners on
//! 127.0.0.1, one upgraded by STARTTLS (as port 587) and one TLS from the first byte (as 465),
//! AUTH PLAIN and LOGIN checked against [`SmtpConfig`]'s user, and only after TLS. What arrives
//! is kept for `/sandbox/mail` ([`crate::mail`]).
//!
//! Minimal but strict where a client could get it wrong: no AUTH, MAIL, RCPT or DATA before TLS
//! (530), no MAIL before AUTH (530), a wrong password is 535, commands in order (503); `DATA`
//! ends at a line holding one dot and other lines lose one leading dot (dot-unstuffing). Bytes a
//! client pipelined after `STARTTLS` are refused, not carried into the TLS session. No
//! pipelining, no SIZE/CHUNKING: lettre waits for each answer.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::SandboxState;
use crate::mail::{Mail, beijing_now, take};

/// The account the sandbox binary takes when none is configured (the local stack's).
pub const DEFAULT_USERNAME: &str = "gpet-alerts@sandbox.gpet.local";
pub const DEFAULT_PASSWORD: &str = "sandbox-smtp-password";
/// The name the server greets with.
pub const SERVER_NAME: &str = "smtp.sandbox.gpet.local";
/// The largest message taken, in bytes.
pub const MAX_MESSAGE: usize = 1 << 20;
/// The most recipients of one message.
pub const MAX_RECIPIENTS: usize = 100;
/// A command line (RFC 5321: 512) or a text line (1000) with room to spare.
const MAX_LINE: usize = 4096;
/// A client that says nothing for this long is dropped.
const IDLE: Duration = Duration::from_secs(60);
/// How long a `stall_next` connection is held without a greeting.
const STALL: Duration = Duration::from_secs(60);

/// The SMTP server's settings: who may log in, its certificate, where it listens.
#[derive(Clone)]
pub struct SmtpConfig {
    pub username: String,
    pub password: String,
    /// The server's certificate chain, leaf first, and its private key (PKCS#8, SEC1 or PKCS#1),
    /// PEM. Locally the leaf is issued by the local CA (`.local/tls`) for localhost and 127.0.0.1.
    pub cert_chain_pem: String,
    pub key_pem: String,
    /// Ports on 127.0.0.1 for STARTTLS and for implicit TLS; 0 picks a free one.
    pub starttls_port: u16,
    pub implicit_port: u16,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("username", &self.username)
            .field("starttls_port", &self.starttls_port)
            .field("implicit_port", &self.implicit_port)
            .finish_non_exhaustive()
    }
}

/// Where the SMTP server listens.
#[derive(Debug, Clone, Copy)]
pub struct SmtpAddrs {
    pub starttls: SocketAddr,
    pub implicit: SocketAddr,
}

/// How a connection gets to TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    StartTls,
    Implicit,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::StartTls => "starttls",
            Mode::Implicit => "implicit",
        }
    }
}

/// Binds both listeners and serves them in background tasks (abort them to stop).
pub(crate) async fn start(
    state: SandboxState,
    config: &SmtpConfig,
) -> anyhow::Result<(SmtpAddrs, Vec<JoinHandle<()>>)> {
    let acceptor = TlsAcceptor::from(Arc::new(server_config(config)?));
    let mut addrs = Vec::new();
    let mut tasks = Vec::new();
    for (mode, port) in [(Mode::StartTls, config.starttls_port), (Mode::Implicit, config.implicit_port)] {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen for SMTP on {addr}"))?;
        addrs.push(listener.local_addr()?);
        tasks.push(tokio::spawn(accept_loop(listener, mode, acceptor.clone(), state.clone())));
    }
    let addrs = SmtpAddrs { starttls: addrs[0], implicit: addrs[1] };
    let _ = state.inner.smtp_addrs.set(addrs);
    Ok((addrs, tasks))
}

fn server_config(config: &SmtpConfig) -> anyhow::Result<rustls::ServerConfig> {
    let chain = CertificateDer::pem_slice_iter(config.cert_chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .context("the SMTP certificate chain is not PEM")?;
    anyhow::ensure!(!chain.is_empty(), "the SMTP certificate chain holds no certificate");
    let key =
        PrivateKeyDer::from_pem_slice(config.key_pem.as_bytes()).context("the SMTP key is not a PEM private key")?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the SMTP certificate does not match its key")
}

async fn accept_loop(listener: TcpListener, mode: Mode, acceptor: TlsAcceptor, state: SandboxState) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let (acceptor, state) = (acceptor.clone(), state.clone());
                tokio::spawn(async move {
                    let outcome = connection(stream, mode, acceptor, state).await;
                    tracing::info!(%peer, mode = mode.name(), outcome, "smtp connection closed");
                });
            }
            Err(error) => {
                tracing::warn!(%error, "smtp accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Serves one connection to its end; answers how it ended, for the log.
async fn connection(stream: TcpStream, mode: Mode, acceptor: TlsAcceptor, state: SandboxState) -> &'static str {
    if take(&mut state.mail().faults.stall_next) {
        // Connected, never greeted: the client's own deadline must end it.
        let mut stream = stream;
        let mut sink = [0u8; 512];
        let _ = tokio::time::timeout(STALL, async { while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {} })
            .await;
        return "stalled (fault)";
    }
    let stream = match mode {
        Mode::Implicit => stream,
        Mode::StartTls => match before_tls(stream).await {
            Ok(Some(stream)) => stream,
            Ok(None) => return "closed before TLS",
            Err(_) => return "broken before TLS",
        },
    };
    let tls = match tokio::time::timeout(IDLE, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        _ => return "TLS handshake failed",
    };
    let mut session = Session { state, mode, reader: BufReader::new(tls), greeted: false, user: None, envelope: None };
    if mode == Mode::Implicit && session.reply(&format!("220 {SERVER_NAME} ESMTP gpet sandbox")).await.is_err() {
        return "broken";
    }
    match session.run().await {
        Ok(end) => {
            // close_notify: the client learns the session ended, not that it was cut.
            let _ = session.reader.get_mut().shutdown().await;
            end
        }
        Err(_) => "broken",
    }
}

/// Reads one line (ending in LF) of at most `limit` bytes: `None` at the end of the stream.
async fn read_line<R: AsyncRead + Unpin>(reader: &mut BufReader<R>, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = tokio::time::timeout(IDLE, (&mut *reader).take(limit as u64).read_until(b'\n', &mut line))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if read == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "line too long"));
    }
    Ok(Some(line))
}

/// A command's verb (upper case) and the rest of its line, without the line end.
fn command(line: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches(['\r', '\n']);
    let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
    (verb.to_ascii_uppercase(), rest.trim().to_owned())
}

/// Writes a reply and its line end at once: a client that reads the `220` to STARTTLS with one
/// read and then starts its handshake would take a late line end for TLS.
async fn write<W: AsyncWrite + Unpin>(writer: &mut W, reply: &str) -> std::io::Result<()> {
    writer.write_all(format!("{reply}\r\n").as_bytes()).await?;
    writer.flush().await
}

/// The plain-text start of a STARTTLS connection: the stream to upgrade, or `None` when the
/// client left first.
async fn before_tls(stream: TcpStream) -> std::io::Result<Option<TcpStream>> {
    let mut reader = BufReader::new(stream);
    write(reader.get_mut(), &format!("220 {SERVER_NAME} ESMTP gpet sandbox")).await?;
    while let Some(line) = read_line(&mut reader, MAX_LINE).await? {
        let (verb, _) = command(&line);
        let reply = match verb.as_str() {
            // AUTH is offered only once the session is encrypted.
            "EHLO" => format!("250-{SERVER_NAME}\r\n250-8BITMIME\r\n250 STARTTLS"),
            "HELO" => format!("250 {SERVER_NAME}"),
            "STARTTLS" if !reader.buffer().is_empty() => {
                // Commands injected after STARTTLS would run inside TLS as if the client sent them.
                write(reader.get_mut(), "501 5.5.4 Nothing may follow STARTTLS before the handshake").await?;
                return Ok(None);
            }
            "STARTTLS" => {
                write(reader.get_mut(), "220 2.0.0 Ready to start TLS").await?;
                return Ok(Some(reader.into_inner()));
            }
            "NOOP" | "RSET" => "250 2.0.0 OK".to_owned(),
            "QUIT" => {
                write(reader.get_mut(), "221 2.0.0 Bye").await?;
                return Ok(None);
            }
            "AUTH" | "MAIL" | "RCPT" | "DATA" => "530 5.7.0 Must issue a STARTTLS command first".to_owned(),
            _ => "502 5.5.2 Command not recognized".to_owned(),
        };
        write(reader.get_mut(), &reply).await?;
    }
    Ok(None)
}

/// A message being given: the envelope so far.
struct Envelope {
    from: String,
    to: Vec<String>,
}

/// The encrypted part of a session.
struct Session<S> {
    state: SandboxState,
    mode: Mode,
    reader: BufReader<S>,
    /// EHLO (again, after STARTTLS) seen.
    greeted: bool,
    /// Who logged in, and how.
    user: Option<(String, &'static str)>,
    envelope: Option<Envelope>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    async fn reply(&mut self, reply: &str) -> std::io::Result<()> {
        write(self.reader.get_mut(), reply).await
    }

    /// Commands until the client quits or leaves; answers how it ended.
    async fn run(&mut self) -> std::io::Result<&'static str> {
        while let Some(line) = read_line(&mut self.reader, MAX_LINE).await? {
            let (verb, arg) = command(&line);
            let reply = match verb.as_str() {
                "EHLO" => {
                    self.greeted = true;
                    self.envelope = None;
                    format!("250-{SERVER_NAME}\r\n250-8BITMIME\r\n250-SIZE {MAX_MESSAGE}\r\n250 AUTH PLAIN LOGIN")
                }
                "HELO" => {
                    self.greeted = true;
                    self.envelope = None;
                    format!("250 {SERVER_NAME}")
                }
                "STARTTLS" => "503 5.5.1 TLS already active".to_owned(),
                "NOOP" => "250 2.0.0 OK".to_owned(),
                "RSET" => {
                    self.envelope = None;
                    "250 2.0.0 OK".to_owned()
                }
                "QUIT" => {
                    self.reply("221 2.0.0 Bye").await?;
                    return Ok("quit");
                }
                "VRFY" => "252 2.5.0 Cannot verify".to_owned(),
                _ if !self.greeted => "503 5.5.1 EHLO first".to_owned(),
                "AUTH" => self.auth(&arg).await?,
                _ if self.user.is_none() && matches!(verb.as_str(), "MAIL" | "RCPT" | "DATA") => {
                    "530 5.7.0 Authentication required".to_owned()
                }
                "MAIL" => self.mail_from(&arg),
                "RCPT" => self.rcpt_to(&arg),
                "DATA" => match self.data().await? {
                    Some(reply) => reply,
                    None => return Ok("dropped at the end of DATA (fault)"),
                },
                _ => "502 5.5.2 Command not recognized".to_owned(),
            };
            self.reply(&reply).await?;
        }
        Ok("client left")
    }

    /// AUTH PLAIN (initial response or after `334`) or AUTH LOGIN (user and password asked for).
    async fn auth(&mut self, arg: &str) -> std::io::Result<String> {
        if self.user.is_some() {
            return Ok("503 5.5.1 Already authenticated".to_owned());
        }
        if self.envelope.is_some() {
            return Ok("503 5.5.1 AUTH not allowed during a mail transaction".to_owned());
        }
        let (mechanism, initial) = arg.split_once(' ').unwrap_or((arg, ""));
        let mechanism = mechanism.to_ascii_uppercase();
        let (user, password, mechanism) = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    "" => match self.challenge("").await? {
                        Some(response) => response,
                        None => return Ok("501 5.0.0 Authentication cancelled".to_owned()),
                    },
                    given => given.to_owned(),
                };
                let Some(decoded) = decode_base64(&response) else {
                    return Ok("501 5.5.2 Cannot decode the response".to_owned());
                };
                // authorization identity NUL authentication identity NUL password
                let mut parts = decoded.splitn(3, |b| *b == 0);
                let (Some(authz), Some(user), Some(password)) = (parts.next(), parts.next(), parts.next()) else {
                    return Ok("501 5.5.2 Malformed PLAIN response".to_owned());
                };
                if !authz.is_empty() && authz != user {
                    return Ok("535 5.7.8 Authentication credentials invalid".to_owned());
                }
                (user.to_vec(), password.to_vec(), "PLAIN")
            }
            "LOGIN" => {
                let user = match initial {
                    "" => match self.challenge("VXNlcm5hbWU6").await? {
                        Some(response) => response,
                        None => return Ok("501 5.0.0 Authentication cancelled".to_owned()),
                    },
                    given => given.to_owned(),
                };
                let Some(password) = self.challenge("UGFzc3dvcmQ6").await? else {
                    return Ok("501 5.0.0 Authentication cancelled".to_owned());
                };
                match (decode_base64(&user), decode_base64(&password)) {
                    (Some(user), Some(password)) => (user, password, "LOGIN"),
                    _ => return Ok("501 5.5.2 Cannot decode the response".to_owned()),
                }
            }
            _ => return Ok("504 5.5.4 Unrecognized authentication type".to_owned()),
        };
        let config = self.state.config().smtp.as_ref();
        if config.is_some_and(|c| user == c.username.as_bytes() && password == c.password.as_bytes()) {
            let user = String::from_utf8_lossy(&user).into_owned();
            tracing::info!(%user, mechanism, "smtp authenticated");
            self.user = Some((user, mechanism));
            Ok("235 2.7.0 Authentication successful".to_owned())
        } else {
            tracing::info!(mechanism, "smtp authentication refused");
            Ok("535 5.7.8 Authentication credentials invalid".to_owned())
        }
    }

    /// Sends `334 challenge` and reads the client's line: `None` when it cancelled with `*`.
    async fn challenge(&mut self, challenge: &str) -> std::io::Result<Option<String>> {
        self.reply(&format!("334 {challenge}")).await?;
        let Some(line) = read_line(&mut self.reader, MAX_LINE).await? else {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        };
        let text = String::from_utf8_lossy(&line).trim().to_owned();
        Ok((text != "*").then_some(text))
    }

    fn mail_from(&mut self, arg: &str) -> String {
        if self.envelope.is_some() {
            return "503 5.5.1 Nested MAIL command".to_owned();
        }
        // `FROM:<address>` and parameters (`BODY=8BITMIME`), which are taken as given.
        match path(arg, "FROM:") {
            Some(from) => {
                self.envelope = Some(Envelope { from, to: Vec::new() });
                "250 2.1.0 OK".to_owned()
            }
            None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned(),
        }
    }

    fn rcpt_to(&mut self, arg: &str) -> String {
        let Some(envelope) = &mut self.envelope else {
            return "503 5.5.1 MAIL first".to_owned();
        };
        match path(arg, "TO:") {
            Some(to) if to.contains('@') => {
                if envelope.to.len() >= MAX_RECIPIENTS {
                    return "452 4.5.3 Too many recipients".to_owned();
                }
                envelope.to.push(to);
                "250 2.1.5 OK".to_owned()
            }
            Some(_) => "553 5.1.3 A recipient must be a mail address".to_owned(),
            None => "501 5.5.4 Syntax: RCPT TO:<address>".to_owned(),
        }
    }

    /// Reads the message to the line holding one dot; answers the reply, or `None` when a fault
    /// drops the connection instead.
    async fn data(&mut self) -> std::io::Result<Option<String>> {
        if self.envelope.as_ref().is_none_or(|e| e.to.is_empty()) {
            return Ok(Some("503 5.5.1 RCPT first".to_owned()));
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let mut data = Vec::new();
        let mut too_big = false;
        loop {
            let Some(line) = read_line(&mut self.reader, MAX_LINE).await? else {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            };
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            let line = line.strip_prefix(b".").unwrap_or(&line);
            if data.len() + line.len() > MAX_MESSAGE {
                too_big = true;
            } else {
                data.extend_from_slice(line);
            }
        }
        let envelope = self.envelope.take().expect("checked above");
        if too_big {
            return Ok(Some(format!("552 5.3.4 Message larger than {MAX_MESSAGE} bytes")));
        }
        // One message meets one fault: a drop first, then a refusal.
        if take(&mut self.state.mail().faults.drop_next) {
            tracing::info!("smtp message dropped (fault)");
            return Ok(None);
        }
        if take(&mut self.state.mail().faults.refuse_next) {
            tracing::info!("smtp message refused (fault)");
            return Ok(Some("554 5.3.0 The sandbox refuses this message (fault)".to_owned()));
        }
        let (user, mechanism) = self.user.clone().expect("MAIL needs AUTH");
        let parsed = parse(&data);
        let id = self.state.mail().keep_mail(|id| Mail {
            id,
            from: envelope.from,
            to: envelope.to.join(","),
            subject: parsed.subject,
            text: parsed.text,
            at: beijing_now(),
            tls: self.mode.name(),
            user,
            mechanism,
            raw: String::from_utf8_lossy(&data).into_owned(),
        });
        tracing::info!(%id, "smtp message kept");
        Ok(Some(format!("250 2.0.0 OK queued as {id}")))
    }
}

/// The address in `FROM:<a@b> PARAMS` (after `prefix`, case-insensitive, a space allowed).
fn path(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text.trim()).ok()
}

// ---------------------------------------------------------------------------------------------
// What a message says: its subject and text, decoded as lettre and most clients encode them.

/// A message's subject and text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub subject: String,
    pub text: String,
}

/// Decodes the headers (unfolded, RFC 2047 words) and a single-part body (base64,
/// quoted-printable, 7bit or 8bit), line ends as `\n`.
pub(crate) fn parse(data: &[u8]) -> Parsed {
    let text = String::from_utf8_lossy(data);
    let (head, body) = match text.find("\r\n\r\n") {
        Some(at) => (&text[..at], &text[at + 4..]),
        None => match text.find("\n\n") {
            Some(at) => (&text[..at], &text[at + 2..]),
            None => (&text[..], ""),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let subject = decode_words(header("subject").unwrap_or_default());
    let content_type = header("content-type").unwrap_or("text/plain").to_ascii_lowercase();
    let text = if content_type.starts_with("multipart/") {
        String::new()
    } else {
        // The line end before the final dot ends the last line; it is not part of the text.
        let body = body.strip_suffix("\r\n").or_else(|| body.strip_suffix('\n')).unwrap_or(body);
        let encoding = header("content-transfer-encoding").unwrap_or("7bit").trim().to_ascii_lowercase();
        let decoded = match encoding.as_str() {
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                BASE64.decode(compact).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
            }
            "quoted-printable" => String::from_utf8_lossy(&quoted_printable(body.as_bytes())).into_owned(),
            _ => body.to_owned(),
        };
        decoded.replace("\r\n", "\n")
    };
    Parsed { subject, text }
}

/// Quoted-printable (RFC 2045): `=XX` is a byte, `=` at a line end joins the lines.
fn quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            if body[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if body[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let Some(byte) =
                body.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

/// A header value with its RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?utf-8?Q?…?=`) decoded;
/// the space between two encoded words is dropped, and their bytes joined before decoding (a
/// character may be split across words).
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match encoded_word(candidate) {
            Some((bytes, used)) => {
                if pending.is_empty() || !before.trim().is_empty() {
                    out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut pending)));
                    out.push_str(before);
                }
                pending.extend(bytes);
                rest = &candidate[used..];
            }
            None => {
                out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut pending)));
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
            }
        }
    }
    out.push_str(&String::from_utf8_lossy(&pending));
    out.push_str(rest);
    out
}

/// The bytes of the encoded word `text` starts with, and its length.
fn encoded_word(text: &str) -> Option<(Vec<u8>, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (_charset, after) = inner.split_once('?')?;
    let (encoding, after) = after.split_once('?')?;
    let end = after.find("?=")?;
    let encoded = &after[..end];
    if encoded.contains([' ', '\t', '\r', '\n']) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => BASE64.decode(encoded).ok()?,
        "Q" | "q" => quoted_printable(encoded.replace('_', " ").as_bytes()),
        _ => return None,
    };
    let used = text.len() - after.len() + end + 2;
    Some((bytes, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_decoded_and_joined() {
        assert_eq!(decode_words("=?utf-8?b?W2dwZXRdIOe7k+eul+Wksei0pQ==?="), "[gpet] 结算失败");
        // A character split over two words, folded onto two lines.
        assert_eq!(decode_words("=?utf-8?b?57uT566X5aSx?=\r\n =?utf-8?b?6LSl?="), "结算失败");
        assert_eq!(decode_words("=?UTF-8?Q?caf=C3=A9_ok?= and plain"), "café ok and plain");
        assert_eq!(decode_words("plain =? not a word"), "plain =? not a word");
    }

    #[test]
    fn bodies_are_decoded_by_their_transfer_encoding() {
        let base64 = b"Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n6LSm5pys5qCh6aqM\r\n5aSx6LSl\r\n";
        assert_eq!(parse(base64).text, "账本校验失败");
        let qp = b"Subject: =?utf-8?q?a?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nline=20one=\r\n still\r\ntwo=E8=B4=A6\r\n";
        assert_eq!(parse(qp), Parsed { subject: "a".into(), text: "line one still\ntwo账".into() });
        let plain = b"Subject: s\r\n\r\n.first\r\n\r\n";
        assert_eq!(parse(plain).text, ".first\n", "only the last line's end goes");
        let multipart = b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n";
        assert_eq!(parse(multipart).text, "");
    }

    #[test]
    fn paths_take_the_address_and_leave_parameters() {
        assert_eq!(path("FROM:<a@b.cn> BODY=8BITMIME", "FROM:").as_deref(), Some("a@b.cn"));
        assert_eq!(path("from: <a@b.cn>", "FROM:").as_deref(), Some("a@b.cn"));
        assert_eq!(path("FROM:<>", "FROM:").as_deref(), Some(""));
        assert_eq!(path("TO:a@b.cn", "TO:"), None);
    }
}
