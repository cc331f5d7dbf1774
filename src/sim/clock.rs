//! Clocks in integer milliseconds: step arithmetic and the drifting device clock.
//!
//! Floating point never decides which side of a step boundary a reading
//! falls on; drift is carried in parts per billion and applied with floor
//! division on `i128`.

/// The time step (0-based, may be negative) that clock reading `clock_ms` falls in.
pub fn step_of(clock_ms: i64, period_ms: i64) -> i64 {
    clock_ms.div_euclid(period_ms)
}

/// Where in its step a clock reading falls, `0 <= phase < period`.
pub fn phase_of(clock_ms: i64, period_ms: i64) -> i64 {
    clock_ms.rem_euclid(period_ms)
}

/// A device clock: `d(t) = t + skew + floor((t - anchor) * ppb / 1e9)`.
///
/// `anchor` is the real time the drift is counted from (the enrollment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceClock {
    /// Device clock minus real time at the anchor, in ms.
    pub skew_ms: i64,
    /// Rate error in parts per billion (1 ppm = 1000 ppb); above -1e9.
    pub drift_ppb: i64,
    /// Real time (ms) at which the offset equals `skew_ms`.
    pub anchor_ms: i64,
}

const BILLION: i128 = 1_000_000_000;

impl DeviceClock {
    /// The device's reading at real time `t_ms`.
    pub fn reading(&self, t_ms: i64) -> i64 {
        if self.drift_ppb == 0 {
            return t_ms.saturating_add(self.skew_ms);
        }
        let elapsed = i128::from(t_ms) - i128::from(self.anchor_ms);
        let drift = (elapsed * i128::from(self.drift_ppb)).div_euclid(BILLION);
        saturate(i128::from(t_ms) + i128::from(self.skew_ms) + drift)
    }

    /// The first real time at which the device reads `device_ms` or later.
    ///
    /// The reading is non-decreasing in real time (the rate `1 + ppb/1e9` is
    /// positive), so this is well defined; an estimate is corrected to the exact ms.
    pub fn real_time_at(&self, device_ms: i64) -> i64 {
        if self.drift_ppb == 0 {
            return device_ms.saturating_sub(self.skew_ms);
        }
        let goal = i128::from(device_ms) - i128::from(self.anchor_ms) - i128::from(self.skew_ms);
        let rate = BILLION + i128::from(self.drift_ppb);
        // u + floor(u * ppb / 1e9) >= goal, solved for the least integer u.
        let f = |u: i128| u + (u * i128::from(self.drift_ppb)).div_euclid(BILLION);
        let mut u = (goal * BILLION).div_euclid(rate);
        while f(u) < goal {
            u += 1;
        }
        while f(u - 1) >= goal {
            u -= 1;
        }
        saturate(i128::from(self.anchor_ms) + u)
    }
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_floor_towards_minus_infinity() {
        assert_eq!(step_of(59_999, 30_000), 1);
        assert_eq!(step_of(60_000, 30_000), 2);
        assert_eq!(step_of(-1, 30_000), -1);
        assert_eq!(phase_of(-1, 30_000), 29_999);
    }

    #[test]
    fn inverse_is_exact_with_and_without_drift() {
        for ppb in [0, 1, 20_000, -20_000, 999_999_000, -999_000_000] {
            let clock = DeviceClock {
                skew_ms: -45_000,
                drift_ppb: ppb,
                anchor_ms: 1_000_000,
            };
            for target in [0, 955_000, 1_000_000, 1_234_567, 87_000_000_000] {
                let t = clock.real_time_at(target);
                assert!(clock.reading(t) >= target, "ppb {ppb} target {target}");
                assert!(clock.reading(t - 1) < target, "ppb {ppb} target {target}");
            }
        }
    }
}
