fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_campaigns_list::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_campaigns_list::handle,
    )
}
