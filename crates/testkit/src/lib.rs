//! The test world of Neptune Guardrails: the moto emulator in server mode (through
//! `tests/emulator/launcher.py`), estates seeded with boto3 (`tests/emulator/seed.py`), and a
//! local Lambda Runtime API that hands real Config events to a rule binary.
//!
//! Python comes from `GUARDRAILS_PYTHON` or the workspace's `.venv` (made by `scripts/setup`).

mod checks;
mod corpus;
mod emulator;
mod exemption;
mod gen;
mod lambda;
mod paths;
mod runtime_api;

pub use checks::*;
pub use corpus::*;
pub use emulator::*;
pub use exemption::*;
pub use gen::*;
pub use lambda::*;
pub use paths::*;
pub use runtime_api::{Outcome, RuntimeApi};
