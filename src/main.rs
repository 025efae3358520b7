//! The thin entry: run the CLI and map its outcome to an exit code.

fn main() -> std::process::ExitCode {
    permgap::cli::main()
}
