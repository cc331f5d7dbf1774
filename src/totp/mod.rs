//! The TOTP core: RFC 4226 HOTP and RFC 6238 TOTP over RustCrypto HMAC.
//!
//! One concern per file: [`algorithm`] maps the hash choice to `Hmac<D>`,
//! [`hotp`](mod@hotp) truncates, [`time_step`] turns time into counters, [`token`] ties
//! a secret to its parameters, [`verify`](mod@verify) checks windows and resyncs,
//! [`secret`] and [`uri`] parse inputs, and [`error`] says what went wrong.

pub mod algorithm;
pub mod error;
pub mod hotp;
pub mod secret;
pub mod time_step;
pub mod token;
pub mod uri;
pub mod verify;

pub use algorithm::Algorithm;
pub use error::{Error, Result, UriError};
pub use hotp::{Code, Digits, dynamic_truncate, hotp, hotp_value};
pub use secret::Secret;
pub use time_step::TimeStep;
pub use token::Totp;
pub use uri::{OtpAuthUri, OtpKind};
pub use verify::{Verdict, Window, parse_code, resync, verify};
