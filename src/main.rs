//! The thin entry: run the CLI and map its outcome to an exit code.

/// mimalloc: the CloudTrail reader allocates and frees per file on every
/// thread, where glibc's allocator cost about a tenth of the time (measured
/// with perf on scripts/bench_cloudtrail.py's input).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    permgap::cli::main()
}
