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
            "code", "--secret", B32, "--time", "59", "-v", "--window", "2",
        ],
        vec!["code", "--uri", &uri, "--counter", "3", "--verbose"],
        vec!["code", "--secret-hex", HEX, "--counter", "3", "--time", "9"],
        vec!["code", "--secret", B32, "--format", "json", "--window", "1"],
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

mod placement {
    //! Issue 13, item 3: a random secret put in any flag's value, as a stray
    //! word, split by spaces, or inside a URI, never appears in either stream.
    use proptest::prelude::*;
    use std::process::Command;

    const FLAGS: [&str; 14] = [
        "--secret",
        "--secret-hex",
        "--uri",
        "--time",
        "--digits",
        "--period",
        "--t0",
        "--algorithm",
        "--code",
        "--window",
        "--delay",
        "--skew",
        "--policy",
        "--phase",
    ];

    fn run(args: &[String]) -> (String, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_skewsim"))
            .args(args)
            .output()
            .expect("runs");
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn a_secret_anywhere_never_comes_back(
            secret in "[A-Z2-7]{16,32}",
            command in prop::sample::select(vec!["code", "verify", "vectors", ""]),
            flag in prop::sample::select(FLAGS.to_vec()),
            how in 0usize..5,
        ) {
            let mut args: Vec<String> = Vec::new();
            if !command.is_empty() {
                args.push(command.to_owned());
            }
            match how {
                // As the value of a flag.
                0 => { args.push(flag.to_owned()); args.push(secret.clone()); }
                // As a stray word.
                1 => args.push(secret.clone()),
                // Split by spaces, unquoted.
                2 => {
                    args.push("--secret".to_owned());
                    args.extend(secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()));
                }
                // In a URI without its label.
                3 => {
                    args.push("--uri".to_owned());
                    args.push(format!("otpauth://totp?secret={secret}&issuer=a/b"));
                }
                // With a stray character.
                _ => { args.push("--secret".to_owned()); args.push(format!("{secret}!")); }
            }
            let (out, err) = run(&args);
            let upper = format!("{out}{err}").to_uppercase();
            // Neither the secret nor any 8 characters of it in a row.
            for start in 0..=secret.len() - 8 {
                let piece = &secret[start..start + 8];
                prop_assert!(!upper.contains(piece), "{:?} leaks {}: {}{}", args, piece, out, err);
            }
        }
    }
}
