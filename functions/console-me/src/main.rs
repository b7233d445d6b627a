fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main(env!("CARGO_PKG_NAME"), console_me::NEEDS, console_me::handle)
}
