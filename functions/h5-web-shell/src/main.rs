fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<h5_web_shell::Parts, _, _>(env!("CARGO_PKG_NAME"), h5_web_shell::handle)
}
