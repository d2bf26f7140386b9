//! A .NET client generated from the hub's WSDL, as a .NET integrator makes
//! one: Mono's `svcutil` reads `?singleWsdl` from the original path of the
//! running `maksa demo`, `mcs` compiles 004 §2.2.1's C# example against the
//! proxy (`soap-tests/dotnet/`: only the address, certificate loading and
//! dates changed), and the program calls `SavePaymentRequest` over mutual TLS —
//! once accepted, once refused with a fault it catches as
//! `FaultException<PaymentRequestFault>`. The request it created is checked
//! over REST.
//!
//! Needs Mono (Debian's `mono-complete`: `mono`, `mcs`, `svcutil`,
//! `cert-sync`) and `openssl`; without them the test says why and passes,
//! unless `MAKSA_TEST_STRICT` is set (as in CI).

#![allow(clippy::unwrap_used)]

mod support;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use support::{after, demo_rest_client, missing, repo_root, start_demo, stdout_of};

const SERVICE_PATH: &str =
    "/services/VRAA.VISS2.MM.Endpoint/v1.0/WCFX509/PaymentRequestService.svc";

fn tools() -> Result<(), String> {
    for tool in ["mono", "mcs", "svcutil", "cert-sync", "openssl"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .map(|status| status.success())
            .unwrap_or(false);
        if !found {
            return Err(format!(
                "{tool} is not available (apt-get install mono-complete openssl)"
            ));
        }
    }
    Ok(())
}

/// Runs a tool with Mono's per-user stores in `home` (where `cert-sync`
/// puts the demo CA), and insists that it succeeds.
fn run(home: &Path, dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    stdout_of(&format!("{program} {}", args.join(" ")), output)
}

/// Mono's svcutil does not import `wsdl:fault`; Microsoft's writes this
/// attribute on every operation of the generated interface. Added here so
/// that the example's `catch (FaultException<PaymentRequestFault>)` works as
/// it does with a Visual Studio service reference.
fn with_fault_contracts(proxy: &str) -> String {
    const OPERATION: &str = "    [System.ServiceModel.OperationContractAttribute(Action=\"http://tempuri.org/IPaymentRequestService/";
    let mut added = 0;
    let mut out = String::new();
    for line in proxy.lines() {
        if let Some(rest) = line.strip_prefix(OPERATION) {
            let operation = rest.split('"').next().unwrap();
            out.push_str(&format!(
                "    [System.ServiceModel.FaultContractAttribute(typeof(VRAA.VISS2.MM.Endpoint.PaymentRequestFault), Action=\"http://tempuri.org/IPaymentRequestService/{operation}PaymentRequestFaultFault\", Name=\"PaymentRequestFault\", Namespace=\"http://schemas.datacontract.org/2004/07/VRAA.VISS2.MM.Endpoint\")]\n"
            ));
            added += 1;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert_eq!(added, 7, "the generated interface has seven operations");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_generated_with_svcutil_runs_the_seed_example() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Err(reason) = tools() {
        missing(&reason, ".NET client tests");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    let work = temp.path().join("work");
    let home = temp.path().join("home");
    for dir in [&data, &work, &home] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let demo = start_demo(&data, &[]);
    let file = |name: &str| data.join(name).display().to_string();

    // Mono trusts the demo CA only once cert-sync has put it in its store, and
    // reads only a legacy-format PKCS#12 (3DES, SHA-1 MAC).
    run(
        &home,
        &work,
        "cert-sync",
        &["--user", &file("demo-ca.crt.pem")],
        &[],
    );
    run(
        &home,
        &work,
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-in",
            &file("demo-client.crt.pem"),
            "-inkey",
            &file("demo-client.key.pem"),
            "-out",
            "client.pfx",
            "-passout",
            "pass:demo",
        ],
        &[],
    );

    // The proxy, from the WSDL the hub serves at the original path.
    let address = format!("{}{SERVICE_PATH}", demo.https);
    run(
        &home,
        &work,
        "svcutil",
        &[
            "--noLogo",
            "-n",
            "PaymentRequestServiceReference",
            "-o",
            "Reference.cs",
            &format!("{address}?singleWsdl"),
        ],
        &[],
    );
    let proxy = std::fs::read_to_string(work.join("Reference.cs")).unwrap();
    // The data contracts as WCF publishes them: lists are arrays of their items.
    for shape in [
        "VRAA.VISS2.MM.Endpoint.PriceListStructure[] PriceList",
        "VRAA.VISS2.MM.Endpoint.AllowedBankStructure[] AllowedBanks",
        "VRAA.VISS2.MM.Endpoint.PaymentRequestInfoStructure[] GetPaymentRequests(",
        "VRAA.VISS2.MM.Endpoint.PaymentInfoStructure[] GetPayments(",
        "public enum ItemChoiceType",
    ] {
        assert!(proxy.contains(shape), "the proxy has no `{shape}`");
    }
    assert!(!proxy.contains("class ArrayOf"), "a list became a class");
    std::fs::write(work.join("Reference.cs"), with_fault_contracts(&proxy)).unwrap();

    let sample = repo_root().join("soap-tests/dotnet");
    let config = std::fs::read_to_string(sample.join("SavePaymentRequest.exe.config")).unwrap();
    std::fs::write(
        work.join("SavePaymentRequest.exe.config"),
        config.replace("MAKSA_ADDRESS", &address),
    )
    .unwrap();
    let source = |name: &str| sample.join(name).display().to_string();
    run(
        &home,
        &work,
        "mcs",
        &[
            "-nologo",
            "-out:SavePaymentRequest.exe",
            "-r:System.ServiceModel.dll",
            "-r:System.Runtime.Serialization.dll",
            "Reference.cs",
            &source("ServiceReference.cs"),
            &source("PaymentRequestFault.cs"),
            &source("SavePaymentRequest.cs"),
        ],
        &[],
    );

    let certificate = [
        ("MAKSA_CLIENT_PFX", "client.pfx"),
        ("MAKSA_CLIENT_PFX_PASSWORD", "demo"),
    ];
    let out = run(
        &home,
        &work,
        "mono",
        &["SavePaymentRequest.exe"],
        &certificate,
    );
    let id = after(&out, "PaymentRequestId:").to_owned();
    assert!(after(&out, "PaymentRequestUrl:").ends_with(&format!("/Payments/?id={id}")));

    // Expired: a fault, caught with its detail.
    let mut expired = certificate.to_vec();
    expired.push(("MAKSA_EXPIRY_DAYS", "-1"));
    let out = run(&home, &work, "mono", &["SavePaymentRequest.exe"], &expired);
    let fault = after(&out, "PaymentRequestFault:");
    assert!(fault.starts_with("EXPIRY_IN_PAST ExpiryDate: `"), "{fault}");
    assert!(fault.ends_with("` is not in the future"), "{fault}");

    // Over REST: the request the example made (4.56 × 1.00 + 0.54), and only it.
    let listed: Vec<Value> = demo_rest_client(&data)
        .post(format!("{}/api/v1/payments/getpaymentrequests", demo.https))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["PaymentRequestUniqueId"], id.as_str());
    assert_eq!(listed[0]["TotalAmount"].to_string(), "5.10");
    drop(demo);
}
