fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_audit_log::Parts, _, _>(env!("CARGO_PKG_NAME"), console_audit_log::handle)
}
