fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_auth_login::Parts, _, _>(env!("CARGO_PKG_NAME"), console_auth_login::handle)
}
