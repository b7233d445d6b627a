fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<h5_groups_delete::Parts, _, _>(env!("CARGO_PKG_NAME"), h5_groups_delete::handle)
}
