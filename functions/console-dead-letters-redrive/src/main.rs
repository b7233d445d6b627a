fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_dead_letters_redrive::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_dead_letters_redrive::handle,
    )
}
