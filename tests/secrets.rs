//! Secret hygiene: a known secret, given in every form to every command that
//! takes one, never comes back out — not on stdout, stderr, or in a file.

use std::process::Command;

const B32: &str = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU";
const HEX: &str = "5465737453656372657454657374536563726574";
const RAW: &str = "TestSecretTestSecret";

fn leaks(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    [(B32, "base32"), (HEX, "hex"), (RAW, "raw")]
        .into_iter()
        .find(|(s, _)| lower.contains(&s.to_lowercase()))
        .map(|(_, form)| form)
        // A long prefix of the base32 or hex would be a leak too.
        .or_else(|| {
            lower
                .contains(&B32[..12].to_lowercase())
                .then_some("base32 prefix")
        })
        .or_else(|| lower.contains(&HEX[..16]).then_some("hex prefix"))
}

#[test]
fn no_command_prints_the_secret() {
    let uri = format!("otpauth://totp/Acme:me?secret={B32}&issuer=Acme");
    let bad_uri = format!("otpauth://totp/Acme:me?secret={B32}&issuer=Other");
    let with_bang = format!("{B32}!");
    let hex_bad = format!("{HEX}zz");
    let runs: Vec<Vec<&str>> = vec![
        vec!["code", "--secret", B32, "--time", "59"],
        vec!["code", "--secret-hex", HEX, "--time", "59"],
        vec!["code", "--uri", &uri, "--time", "59"],
        vec!["code", "--uri", &bad_uri, "--time", "59"],
        vec!["code", "--secret", &with_bang, "--time", "59"],
        vec!["code", "--secret-hex", &hex_bad, "--time", "59"],
        vec!["code", "--secret", B32, "--time", "59", "--digits", "12"],
        vec![
            "verify", "--secret", B32, "--time", "59", "--code", "000000",
        ],
        vec!["verify", "--secret", B32, "--time", "59", "--code", "abc"],
        vec![
            "verify", "--uri", &uri, "--time", "59", "--code", "123456", "--window", "3",
        ],
        vec!["bulk", "--secret-hex", HEX, "--steps", "1000"],
        vec!["bulk", "--secret-hex", HEX, "--steps", "50", "--print"],
        vec!["bulk", "--secret-hex", &hex_bad, "--steps", "50"],
    ];
    for args in runs {
        let out = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(&args)
            .output()
            .expect("runs");
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert_eq!(
                leaks(&text),
                None,
                "{args:?} leaked the secret on {stream}: {text}"
            );
        }
    }
}

#[test]
fn debug_and_errors_of_the_library_never_hold_the_secret() {
    let secret = skewsim::Secret::from_base32(B32).expect("valid");
    assert_eq!(leaks(&format!("{secret:?} {secret:#?}")), None);
    let uri: skewsim::OtpAuthUri = format!("otpauth://totp/me?secret={B32}")
        .parse()
        .expect("valid");
    assert_eq!(leaks(&format!("{uri:?}")), None, "Debug of a parsed URI");
    for bad in [format!("{B32}!"), format!("{B32}=A"), B32[..3].to_owned()] {
        if let Err(e) = skewsim::Secret::from_base32(&bad) {
            assert_eq!(leaks(&format!("{e} {e:?}")), None);
        }
    }
    let bad_uri = format!("otpauth://totp/me?secret={B32}&secret={B32}");
    let e = bad_uri
        .parse::<skewsim::OtpAuthUri>()
        .expect_err("duplicate");
    assert_eq!(leaks(&format!("{e} {e:?}")), None);
}
