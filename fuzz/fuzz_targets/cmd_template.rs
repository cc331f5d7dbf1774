//! The `vectors --cmd` template: no panic on any template; without a shell
//! every argument is the template's word with its placeholders filled in,
//! and a row's values never add or split arguments.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skewsim::vectors::external::Runner;
use skewsim::vectors::load::{CodeCase, Expect};

fuzz_target!(|input: (&str, &str)| {
    let (template, value) = input;
    let Ok(runner) = Runner::new(template, false, std::time::Duration::from_secs(1)) else {
        return;
    };
    // A hostile "secret" (the loader would refuse it; the runner must not care).
    let case = CodeCase {
        id: "fuzz".to_owned(),
        algorithm: value.to_owned(),
        secret_hex: value.to_owned(),
        digits: 6,
        period: 30,
        t0: 0,
        time: 59,
        counter: None,
        expected: "287082".to_owned(),
        expect: Expect::Valid,
        comment: String::new(),
        intermediate: None,
    };
    let words = shell_words::split(template).expect("Runner::new split it");
    let argv = runner.argv(&case);
    assert_eq!(argv.len(), words.len(), "{template:?} {value:?}");
    for (word, arg) in words.iter().zip(&argv) {
        if !word.contains('{') {
            assert_eq!(word, arg);
        }
    }
});
