//! The sandbox: every bank protocol's simulator with its connector, under
//! the demo codes `maksa demo` offers (docs/providers.md). One list, used by
//! `maksa demo`, `maksa serve` in sandbox mode and the tests.

use crate::sim::Sandbox;
use maksa_domain::codes::ProviderCode;
use std::io;
use std::path::Path;

/// One simulated bank: where it is mounted (`/sim/{name}`), its provider code
/// in the sandbox, and how its sandbox is built.
#[derive(Clone, Copy)]
pub struct SandboxBank {
    pub name: &'static str,
    pub code: &'static str,
    pub build: fn(&Path, ProviderCode, &str, &str) -> io::Result<Sandbox>,
}

/// Every protocol the hub speaks, each with its simulator.
pub const SANDBOX_BANKS: &[SandboxBank] = &[
    SandboxBank {
        name: "swedbank-v3",
        code: "HABALV22",
        build: crate::swedbank_v3::sandbox,
    },
    SandboxBank {
        name: "swedbank-link",
        code: "SWEDLINK",
        build: crate::swedbank_link::sandbox,
    },
    SandboxBank {
        name: "seb",
        code: "UNLALV2X",
        build: crate::seb_elink::sandbox,
    },
    SandboxBank {
        name: "citadele",
        code: "PARXLV22",
        build: crate::citadele::sandbox,
    },
    SandboxBank {
        name: "luminor",
        code: "RIKOLV2X",
        build: crate::ipizza::sandbox,
    },
];

/// Builds every simulated bank for the hub at `hub_base_url`, keeping each
/// bank's keys in `dir/<name>/`; answers each with its mount path.
pub fn build_all(dir: &Path, hub_base_url: &str) -> io::Result<Vec<(String, Sandbox)>> {
    let hub = hub_base_url.trim_end_matches('/');
    SANDBOX_BANKS
        .iter()
        .map(|bank| {
            let keys = dir.join(bank.name);
            std::fs::create_dir_all(&keys)?;
            let code = ProviderCode::parse(bank.code).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("provider code {}", bank.code),
                )
            })?;
            let path = format!("/sim/{}", bank.name);
            let sandbox = (bank.build)(&keys, code, &format!("{hub}{path}"), hub)?;
            Ok((path, sandbox))
        })
        .collect()
}
