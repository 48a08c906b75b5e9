//! The JUnit XML as nextest writes it, element for element. Only [`super`] reads these types:
//! they mirror the file, not what the harness needs from it.

use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct Testsuites {
    #[serde(rename = "@timestamp")]
    pub timestamp: Option<String>,
    #[serde(rename = "testsuite", default)]
    pub suites: Vec<Testsuite>,
}

#[derive(Deserialize)]
pub(super) struct Testsuite {
    /// The test binary's id, `op-suites::betanet`.
    #[serde(rename = "@name")]
    pub name: String,
    /// How many test cases the suite declares; fewer present means the file was cut short.
    #[serde(rename = "@tests")]
    pub tests: Option<usize>,
    #[serde(rename = "testcase", default)]
    pub cases: Vec<Testcase>,
}

#[derive(Deserialize)]
pub(super) struct Testcase {
    #[serde(rename = "@name")]
    pub name: String,
    /// Seconds the final attempt took.
    #[serde(rename = "@time")]
    pub time: Option<f64>,
    pub failure: Option<Problem>,
    pub error: Option<Problem>,
    pub skipped: Option<Problem>,
    #[serde(rename = "flakyFailure", default)]
    pub flaky_failures: Vec<Problem>,
    #[serde(rename = "flakyError", default)]
    pub flaky_errors: Vec<Problem>,
    #[serde(rename = "rerunFailure", default)]
    pub rerun_failures: Vec<Problem>,
    #[serde(rename = "rerunError", default)]
    pub rerun_errors: Vec<Problem>,
    /// Output of the first failing attempt; nextest stores none for passing tests.
    #[serde(rename = "system-out")]
    pub system_out: Option<String>,
    #[serde(rename = "system-err")]
    pub system_err: Option<String>,
}

/// `<failure>`, `<error>`, `<skipped>` and the four retry elements share this shape.
#[derive(Deserialize)]
pub(super) struct Problem {
    #[serde(rename = "@message")]
    pub message: Option<String>,
    #[serde(rename = "@type")]
    pub kind: Option<String>,
    #[serde(rename = "$text", default)]
    pub text: String,
    #[serde(rename = "stackTrace")]
    pub stack_trace: Option<String>,
    #[serde(rename = "system-out")]
    pub system_out: Option<String>,
    #[serde(rename = "system-err")]
    pub system_err: Option<String>,
}
