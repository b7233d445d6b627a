fn main() -> Result<(), gpet_lambda::Error> {
    gpet_lambda::job_main::<job_robot_snapshot::Parts, _, _>(env!("CARGO_PKG_NAME"), job_robot_snapshot::run)
}
