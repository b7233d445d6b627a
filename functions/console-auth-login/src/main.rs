fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main(env!("CARGO_PKG_NAME"), console_auth_login::NEEDS, console_auth_login::handle)
}
