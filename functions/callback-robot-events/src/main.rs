fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::http_main::<callback_robot_events::Parts, _, _>(env!("CARGO_PKG_NAME"), callback_robot_events::handle)
}
