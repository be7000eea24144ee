//! Bytes to text: UTF-8 only, and where it is not, the line and byte of the first bad byte.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Decode `bytes` as UTF-8 text, or say where the first invalid byte is. Lines are counted as
/// [`crate::paragraphs`] counts them (`\n`, `\r\n` or a lone `\r` ends one), so the line named
/// is the one a tagged paragraph would carry.
///
/// ```
/// let err = tiaoli::decode_utf8(b"ok\nbad \xff", "report.txt").unwrap_err();
/// assert_eq!(err.to_string(), "report.txt:2: invalid UTF-8 (byte 5 of the line); tiaoli reads UTF-8 text only");
/// ```
pub fn decode_utf8(bytes: &[u8], name: impl Into<PathBuf>) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|e| {
        if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            return Error::Utf16 { path: name.into() };
        }
        let valid = &bytes[..e.valid_up_to()];
        let mut line = 1;
        let mut line_start = 0;
        for (i, &b) in valid.iter().enumerate() {
            // A `\r` right before `\n` is half of one break: the `\n` counts it.
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line += 1;
                line_start = i + 1;
            }
        }
        Error::InvalidUtf8 { path: name.into(), line, column: valid.len() - line_start + 1 }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn where_(bytes: &[u8]) -> (usize, usize) {
        match decode_utf8(bytes, "t") {
            Err(Error::InvalidUtf8 { line, column, .. }) => (line, column),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_count_as_the_splitter_counts_them() {
        assert_eq!(where_(b"\xff"), (1, 1));
        assert_eq!(where_(b"a\nbc\xff"), (2, 3));
        assert_eq!(where_(b"a\r\nb\r\n\xff"), (3, 1));
        assert_eq!(where_(b"a\rb\rcd\xff"), (3, 3));
        assert_eq!(where_(b"a\r\xff"), (2, 1));
        assert_eq!(where_(b"\n\n\r\r\n  \xe6\x80"), (5, 3), "a character cut short");
    }

    #[test]
    fn utf16_is_named() {
        let utf16: Vec<u8> = [0xfeff_u16, 0x603b, 0x7ed3].iter().flat_map(|u| u.to_le_bytes()).collect();
        let err = decode_utf8(&utf16, "export.txt").unwrap_err();
        assert!(matches!(err, Error::Utf16 { .. }));
        assert!(err.to_string().starts_with("export.txt: the text is UTF-16"), "{err}");
        let be: Vec<u8> = [0xfeff_u16, 0x603b].iter().flat_map(|u| u.to_be_bytes()).collect();
        assert!(matches!(decode_utf8(&be, "x"), Err(Error::Utf16 { .. })));
        // Valid UTF-8 that happens to start like nothing special is unaffected.
        assert_eq!(decode_utf8("总结".as_bytes(), "x").unwrap(), "总结");
    }
}
