fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::custom_resource_main::<job_migrate::Parts, _, _>(
        env!("CARGO_PKG_NAME"),
        |ctx, kind, properties| async move { job_migrate::handle(ctx, kind, &properties).await },
    )
}
