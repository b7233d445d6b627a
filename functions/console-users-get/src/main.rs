fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_users_get::Parts, _, _>(env!("CARGO_PKG_NAME"), console_users_get::handle)
}
