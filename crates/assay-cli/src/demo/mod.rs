pub fn run(_args: &crate::cli::DemoArgs) -> anyhow::Result<()> {
    Ok(())
}
