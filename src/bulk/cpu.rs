//! The CPU a run measured: its model name and the features the bulk
//! variants use, for `bulk`'s output and the benchmark dashboard (a speed
//! belongs to a CPU model, not to the code alone).

/// This CPU as a benchmark names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpu {
    /// The model name (x86: the CPUID brand string, as `lscpu` shows it;
    /// elsewhere `/proc/cpuinfo`'s, or the architecture when neither says).
    pub model: String,
    /// Which of the features the variants use this CPU has, in a fixed
    /// order: `sha`, `sse4.1`, `avx2`, `avx512f`.
    pub features: Vec<&'static str>,
}

impl Cpu {
    /// The CPU this process runs on.
    pub fn this() -> Cpu {
        let model = brand_string()
            .or_else(proc_cpuinfo_model)
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
        Cpu {
            model,
            features: features(),
        }
    }
}

/// The features the variants use, those this CPU has.
fn features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut found = Vec::new();
        if std::arch::is_x86_feature_detected!("sha") {
            found.push("sha");
        }
        if std::arch::is_x86_feature_detected!("sse4.1") {
            found.push("sse4.1");
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            found.push("avx2");
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            found.push("avx512f");
        }
        found
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// The CPUID brand string (leaves 0x8000_0002..=0x8000_0004), trimmed.
#[cfg(target_arch = "x86_64")]
fn brand_string() -> Option<String> {
    use std::arch::x86_64::__cpuid;
    // CPUID exists on every x86_64 CPU; leaf 0x8000_0000 says how far the
    // extended leaves go.
    if __cpuid(0x8000_0000).eax < 0x8000_0004 {
        return None;
    }
    let mut bytes = Vec::with_capacity(48);
    for leaf in 0x8000_0002u32..=0x8000_0004 {
        let r = __cpuid(leaf);
        for word in [r.eax, r.ebx, r.ecx, r.edx] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
    }
    clean(&String::from_utf8_lossy(&bytes))
}

#[cfg(not(target_arch = "x86_64"))]
fn brand_string() -> Option<String> {
    None
}

/// `/proc/cpuinfo`'s first `model name` (Linux).
fn proc_cpuinfo_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .and_then(|(_, value)| clean(value))
}

/// Printable ASCII only, runs of spaces as one, trimmed; `None` if empty.
fn clean(raw: &str) -> Option<String> {
    let printable: String = raw
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = printable.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_is_printable_text() {
        let cpu = Cpu::this();
        assert!(!cpu.model.is_empty());
        assert!(cpu.model.chars().all(|c| c.is_ascii_graphic() || c == ' '));
        assert_eq!(
            clean("  Intel(R)\0 Xeon(R)   Processor\u{1b}[2J "),
            Some("Intel(R) Xeon(R) Processor [2J".to_owned())
        );
        assert_eq!(clean("\0\0 "), None);
    }

    #[test]
    fn features_agree_with_the_backends() {
        let cpu = Cpu::this();
        assert_eq!(
            cpu.features.contains(&"sha") && cpu.features.contains(&"sse4.1"),
            super::super::Backend::ShaNi2.on_this_cpu()
        );
        assert_eq!(
            cpu.features.contains(&"avx512f"),
            super::super::Backend::Avx512.on_this_cpu()
        );
    }
}
