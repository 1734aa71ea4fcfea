//! The UI suite (`e2e/ikd.test.mjs`): this crate's binary, built for tests (captcha answers
//! through the test hook), started as the demo starts on a fresh data directory, and driven
//! in Debian's Chromium by playwright-core: a citizen on a Pixel 7 profile and an officer at
//! a counter PC. Node, Chromium and the node packages come from `scripts/install-deps.sh`.

use std::path::Path;
use std::process::Command;

#[test]
fn a_citizen_and_an_officer_go_through_the_whole_system_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let e2e = root.join("e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "run scripts/install-deps.sh first (npm ci in e2e/)"
    );
    let status = Command::new("node")
        .args(["--test", "--test-reporter=spec", "ikd.test.mjs"])
        .current_dir(&e2e)
        .env("IKD_DEMO_BIN", env!("CARGO_BIN_EXE_ikd-demo"))
        .env("IKD_E2E_OUT", root.join("target/e2e-screenshots/browser"))
        .status()
        .expect("node is installed by scripts/install-deps.sh");
    assert!(
        status.success(),
        "the UI suite failed (its output is above)"
    );
}
