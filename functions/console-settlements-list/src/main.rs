fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_settlements_list::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_settlements_list::handle,
    )
}
