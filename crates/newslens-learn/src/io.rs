//! Model files: an 8-byte magic tag followed by the value encoded with `postcard` (compact,
//! varint-based, well maintained).

use std::path::Path;

use serde::{de::DeserializeOwned, Serialize};

use crate::LearnError;

/// Encodes `value` behind the `magic` tag.
pub fn to_bytes<T: Serialize>(magic: &[u8; 8], value: &T) -> Result<Vec<u8>, LearnError> {
    let mut out = magic.to_vec();
    out.extend(postcard::to_stdvec(value).map_err(|e| LearnError::Format(e.to_string()))?);
    Ok(out)
}

/// Decodes bytes written by [`to_bytes`] with the same `magic` tag.
pub fn from_bytes<T: DeserializeOwned>(magic: &[u8; 8], bytes: &[u8]) -> Result<T, LearnError> {
    if bytes.len() < 8 || &bytes[..8] != magic {
        return Err(LearnError::Format(format!(
            "not a model of this kind (expected tag {:?})",
            String::from_utf8_lossy(magic)
        )));
    }
    postcard::from_bytes(&bytes[8..]).map_err(|e| LearnError::Format(e.to_string()))
}

/// Writes a model file.
pub fn save<T: Serialize>(path: &Path, magic: &[u8; 8], value: &T) -> Result<(), LearnError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, to_bytes(magic, value)?)?;
    Ok(())
}

/// Reads a model file.
pub fn load<T: DeserializeOwned>(path: &Path, magic: &[u8; 8]) -> Result<T, LearnError> {
    from_bytes(magic, &std::fs::read(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_tag() {
        let v = vec![1u32, 2, 300];
        let b = to_bytes(b"TEST0001", &v).unwrap();
        let back: Vec<u32> = from_bytes(b"TEST0001", &b).unwrap();
        assert_eq!(back, v);
        assert!(from_bytes::<Vec<u32>>(b"OTHER001", &b).is_err());
        assert!(from_bytes::<Vec<u32>>(b"TEST0001", &b[..9]).is_err());
    }
}
