//! Spotify ids.
//!
//! A Spotify id is 22 base-62 characters encoding a 128-bit number, so it is stored as a `u128`
//! (16 bytes, the most compact lossless form) and printed back zero-padded to 22 characters.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Spotify's base-62 alphabet (digits, then lowercase, then uppercase).
const BASE62: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ID_LEN: usize = 22;

/// Why a string is not a Spotify id.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("spotify id must be 22 characters, got {0}")]
    Length(usize),
    #[error("spotify id has a character outside base 62: {0:?}")]
    Character(char),
    #[error("spotify id is larger than 128 bits")]
    Overflow,
}

#[inline]
fn decode_base62(s: &str) -> Result<u128, IdError> {
    if s.len() != ID_LEN {
        return Err(IdError::Length(s.chars().count()));
    }
    s.bytes().try_fold(0u128, |acc, b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            b'A'..=b'Z' => b - b'A' + 36,
            _ => return Err(IdError::Character(b as char)),
        };
        acc.checked_mul(62)
            .and_then(|v| v.checked_add(u128::from(digit)))
            .ok_or(IdError::Overflow)
    })
}

#[inline]
fn encode_base62(mut value: u128, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut out = [b'0'; ID_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    // Every byte comes from the ASCII alphabet above.
    f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
}

macro_rules! spotify_id {
    ($name:ident, $uri_prefix:literal, $what:literal) => {
        #[doc = concat!("A Spotify ", $what, " id, stored as its 128-bit value.")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u128);

        impl $name {
            #[doc = concat!("Parses a bare 22-character id or a `", $uri_prefix, "ID` uri.")]
            #[inline]
            pub fn parse(s: &str) -> Result<Self, IdError> {
                let s = s.trim();
                let bare = s.strip_prefix($uri_prefix).unwrap_or(s);
                decode_base62(bare).map(Self)
            }

            #[doc = concat!("The `", $uri_prefix, "ID` uri.")]
            pub fn uri(self) -> String {
                format!("{}{}", $uri_prefix, self)
            }
        }

        impl fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                encode_base62(self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

spotify_id!(TrackId, "spotify:track:", "track");
spotify_id!(ArtistId, "spotify:artist:", "artist");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_real_ids() {
        for s in [
            "5SuOikwiRyPMVoIQDJUgSV",
            "0poAcsyKGAMc8goHsV0Dxm",
            "0000000000000000000000",
        ] {
            let id = TrackId::parse(s).unwrap();
            assert_eq!(id.to_string(), s);
        }
    }

    #[test]
    fn accepts_uris_and_rejects_garbage() {
        let id = TrackId::parse("spotify:track:1dtKN6wwlolkM8XZy2y9C1").unwrap();
        assert_eq!(id.uri(), "spotify:track:1dtKN6wwlolkM8XZy2y9C1");
        assert_eq!(TrackId::parse("short"), Err(IdError::Length(5)));
        assert_eq!(
            TrackId::parse("5SuOikwiRyPMVoIQDJUgS!"),
            Err(IdError::Character('!'))
        );
        assert_eq!(
            TrackId::parse("ZZZZZZZZZZZZZZZZZZZZZZ"),
            Err(IdError::Overflow)
        );
    }
}
