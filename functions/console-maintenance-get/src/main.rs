fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<console_maintenance_get::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        console_maintenance_get::handle,
    )
}
