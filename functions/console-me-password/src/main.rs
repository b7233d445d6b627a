fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_me_password::Parts, _, _>(env!("CARGO_PKG_NAME"), console_me_password::handle)
}
