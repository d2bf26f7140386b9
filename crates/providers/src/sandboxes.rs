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

/// Where the simulators that speak over mutual TLS (the card acquirer's
/// `MerchantHandler`, the PSD2 bank's API) are reached: the hub's own HTTPS
/// listener, which they are mounted on too, and the certificates of both
/// sides. `maksa demo` gives it; without it those simulators are served on
/// the plain listener with no certificate asked for (the contract suite).
#[derive(Clone)]
pub struct SandboxTls {
    /// `https://127.0.0.1:8443`: the hub's HTTPS listener, no trailing slash.
    pub https_base_url: String,
    /// The hub's client certificate, its key, and the CA of the listener's
    /// server certificate (which also issued the client certificate).
    pub hub: crate::mtls::MutualTls,
}

/// A simulator whose connector may speak mutual TLS ([`SandboxTls`]).
#[derive(Clone, Copy)]
pub struct SandboxProvider {
    pub name: &'static str,
    pub code: &'static str,
    pub build: fn(&Path, ProviderCode, &str, &str, Option<&SandboxTls>) -> io::Result<Sandbox>,
}

/// The providers beyond the bank links, each with its simulator.
pub const SANDBOX_PROVIDERS: &[SandboxProvider] = &[
    SandboxProvider {
        name: "firstdata",
        code: crate::firstdata::SANDBOX_CODE,
        build: crate::firstdata::sandbox,
    },
    // A generic NextGenPSD2 ASPSP (docs/providers/psd2.md); its code is not
    // a BIC, so no real bank's contract is confused with it.
    SandboxProvider {
        name: "psd2",
        code: crate::psd2::SANDBOX_CODE,
        build: crate::psd2::sandbox,
    },
];

/// Builds every simulated bank for the hub at `hub_base_url`, keeping each
/// bank's keys in `dir/<name>/`; answers each with its mount path.
pub fn build_all(
    dir: &Path,
    hub_base_url: &str,
    tls: Option<&SandboxTls>,
) -> io::Result<Vec<(String, Sandbox)>> {
    let hub = hub_base_url.trim_end_matches('/');
    let providers = SANDBOX_PROVIDERS.iter().map(|provider| {
        let keys = dir.join(provider.name);
        std::fs::create_dir_all(&keys)?;
        let code = provider_code(provider.code)?;
        let path = format!("/sim/{}", provider.name);
        let sandbox = (provider.build)(&keys, code, &format!("{hub}{path}"), hub, tls)?;
        Ok((path, sandbox))
    });
    SANDBOX_BANKS
        .iter()
        .map(|bank| {
            let keys = dir.join(bank.name);
            std::fs::create_dir_all(&keys)?;
            let code = provider_code(bank.code)?;
            let path = format!("/sim/{}", bank.name);
            let sandbox = (bank.build)(&keys, code, &format!("{hub}{path}"), hub)?;
            Ok((path, sandbox))
        })
        .chain(providers)
        .collect()
}

fn provider_code(code: &str) -> io::Result<ProviderCode> {
    ProviderCode::parse(code)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("provider code {code}")))
}
