//! The `marketguard` binary: parse arguments, hand over to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    marketguard::run()
}
