//! `pantau serve` reads its trusted proxies from `PANTAU_TRUSTED_PROXIES`,
//! comma-separated, and refuses one it cannot read before it opens anything.

use std::process::Command;

#[test]
fn trusted_proxies_from_the_environment_are_checked() {
    let out = Command::new(env!("CARGO_BIN_EXE_pantau"))
        .args(["serve", "--database", "sqlite:/nonexistent/never-opened.db"])
        .env("PANTAU_TRUSTED_PROXIES", "10.0.0.5,10.0.0.0/33")
        .output()
        .expect("pantau runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"10.0.0.0/33\": a prefix length is at most 32"),
        "{stderr}"
    );
}
