//! Little-endian reading and writing for the model file. Every read checks the bytes left
//! first, and every count is checked against the bytes it needs before anything is
//! allocated, so a corrupt file cannot make the loader allocate without bound.

use crate::error::ModelError;

/// The largest magnitude of any number in a model file. Trained weights and idfs are tens at
/// most; the bound keeps every sum inference makes finite. Finite alone is not enough: two
/// weights near `f32::MAX` add up to infinity, and softmax turns that into NaN probabilities
/// (found by the `model_bytes` fuzz target).
pub(crate) const MAX_MAGNITUDE: f32 = 1e9;

#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
    }
}

#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Offset of `bytes[0]` in the file, so errors name file offsets.
    base: usize,
    /// Length of the whole file, for truncation messages.
    file_len: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], base: usize, file_len: usize) -> Reader<'a> {
        Reader { bytes, pos: 0, base, file_len }
    }

    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn invalid(&self, what: impl Into<String>) -> ModelError {
        ModelError::Invalid { offset: self.offset(), what: what.into() }
    }

    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ModelError> {
        if n > self.remaining() {
            return Err(ModelError::Truncated { what, offset: self.offset(), needed: n, len: self.file_len });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ModelError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, ModelError> {
        Ok(self.array::<1>(what)?[0])
    }
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, ModelError> {
        self.array(what).map(u32::from_le_bytes)
    }
    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, ModelError> {
        self.array(what).map(u64::from_le_bytes)
    }
    /// A finite f32 no larger than [`MAX_MAGNITUDE`] either way.
    pub(crate) fn f32(&mut self, what: &'static str) -> Result<f32, ModelError> {
        let at = self.offset();
        let v = self.array(what).map(f32::from_le_bytes)?;
        if !v.is_finite() {
            Err(ModelError::Invalid { offset: at, what: format!("{what} is not a finite number") })
        } else if v.abs() > MAX_MAGNITUDE {
            Err(ModelError::Invalid { offset: at, what: format!("{what} {v:e} is out of range (±{MAX_MAGNITUDE:e})") })
        } else {
            Ok(v)
        }
    }

    pub(crate) fn str(&mut self, what: &'static str) -> Result<&'a str, ModelError> {
        let len = self.u32(what)? as usize;
        let at = self.offset();
        let bytes = self.take(len, what)?;
        std::str::from_utf8(bytes)
            .map_err(|_| ModelError::Invalid { offset: at, what: format!("{what} is not valid UTF-8") })
    }

    /// A u32 count of items that take at least `min_item_bytes` each, checked against the
    /// bytes left so that a corrupt count cannot trigger a huge allocation.
    pub(crate) fn count(&mut self, min_item_bytes: usize, what: &'static str) -> Result<usize, ModelError> {
        let at = self.offset();
        let n = self.u32(what)? as usize;
        match n.checked_mul(min_item_bytes) {
            Some(need) if need <= self.remaining() => Ok(n),
            _ => Err(ModelError::Truncated {
                what,
                offset: at,
                needed: n.saturating_mul(min_item_bytes),
                len: self.file_len,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut w = Writer::default();
        w.u8(7);
        w.u32(70_000);
        w.u64(1 << 40);
        w.f32(-0.5);
        w.str("总结");
        let mut r = Reader::new(&w.buf, 0, w.buf.len());
        assert_eq!(r.u8("a").unwrap(), 7);
        assert_eq!(r.u32("b").unwrap(), 70_000);
        assert_eq!(r.u64("c").unwrap(), 1 << 40);
        assert_eq!(r.f32("d").unwrap(), -0.5);
        assert_eq!(r.str("e").unwrap(), "总结");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn short_reads_name_the_offset() {
        let mut r = Reader::new(&[1, 2], 100, 102);
        let err = r.u32("label count").unwrap_err();
        assert_eq!(err, ModelError::Truncated { what: "label count", offset: 100, needed: 4, len: 102 });
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let bytes = u32::MAX.to_le_bytes();
        let mut r = Reader::new(&bytes, 0, 4);
        assert!(matches!(r.count(8, "vocabulary size"), Err(ModelError::Truncated { .. })));
    }

    #[test]
    fn non_finite_floats_are_invalid() {
        let bytes = f32::NAN.to_le_bytes();
        let mut r = Reader::new(&bytes, 0, 4);
        assert!(matches!(r.f32("weight"), Err(ModelError::Invalid { offset: 0, .. })));
    }

    #[test]
    fn huge_finite_floats_are_invalid() {
        for v in [f32::MAX, -3e38, 1.5e9] {
            let bytes = v.to_le_bytes();
            let err = Reader::new(&bytes, 10, 14).f32("weight").unwrap_err();
            assert!(matches!(err, ModelError::Invalid { offset: 10, .. }), "{v}: {err}");
            assert!(err.to_string().contains("out of range"), "{err}");
        }
        let bytes = [(-1e9f32).to_le_bytes(), 12.5f32.to_le_bytes()].concat();
        let mut r = Reader::new(&bytes, 0, 8);
        assert_eq!((r.f32("a").unwrap(), r.f32("b").unwrap()), (-1e9, 12.5));
    }

    #[test]
    fn bad_utf8_is_invalid() {
        let mut w = Writer::default();
        w.u32(2);
        w.buf.extend_from_slice(&[0xff, 0xfe]);
        let mut r = Reader::new(&w.buf, 0, w.buf.len());
        assert!(matches!(r.str("term"), Err(ModelError::Invalid { offset: 4, .. })));
    }
}
