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
    pub(crate) fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
    }
    /// LEB128: 7 bits a byte, low bits first.
    pub(crate) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }
    /// Strings front-coded: for each, the bytes it shares with the one before (cut back to a
    /// character boundary) and the rest. Sorted lists, as the dictionary and the vocabulary
    /// are, share most of their bytes.
    pub(crate) fn front_coded<'s>(&mut self, items: impl IntoIterator<Item = &'s str>) {
        let mut prev = "";
        for item in items {
            let mut shared = prev.bytes().zip(item.bytes()).take_while(|(a, b)| a == b).count();
            while !item.is_char_boundary(shared) {
                shared -= 1;
            }
            self.varint(shared as u64);
            self.varint((item.len() - shared) as u64);
            self.buf.extend_from_slice(&item.as_bytes()[shared..]);
            prev = item;
        }
    }
    /// `values` (columns of `k`, e.g. one per label) as integers of `width` with one
    /// power-of-two scale per column: the exponents, then the integers. Values that
    /// [`quantise`] left exact are written exactly.
    pub(crate) fn quantised(&mut self, values: &[f32], k: usize, width: Width) {
        let exponents = exponents(values, k, width);
        for &e in &exponents {
            self.buf.push(e as u8);
        }
        for (i, &v) in values.iter().enumerate() {
            let q = width.level(v, pow2(exponents[i % k]));
            match width {
                Width::I8 => self.buf.push(q as i8 as u8),
                Width::I16 => self.buf.extend_from_slice(&(q as i16).to_le_bytes()),
            }
        }
    }
}

/// How many bits a quantised value takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Width {
    I8,
    I16,
}

impl Width {
    fn max(self) -> f32 {
        match self {
            Width::I8 => f32::from(i8::MAX),
            Width::I16 => f32::from(i16::MAX),
        }
    }
    /// `v` in units of `scale`, rounded to the nearest integer of the symmetric range.
    fn level(self, v: f32, scale: f32) -> f32 {
        (v / scale).round().clamp(-self.max(), self.max())
    }
    fn bytes(self) -> usize {
        match self {
            Width::I8 => 1,
            Width::I16 => 2,
        }
    }
    /// The largest scale exponent: the largest value stays within [`MAX_MAGNITUDE`].
    fn max_exponent(self) -> i32 {
        match self {
            Width::I8 => 22,
            Width::I16 => 14,
        }
    }
}

/// Scales are powers of two from 2^-100 up to [`Width::max_exponent`], so `value / scale` of
/// a quantised value is its integer exactly and a file read back holds the same floats the
/// trainer produced.
const MIN_EXPONENT: i32 = -100;

fn pow2(e: i32) -> f32 {
    f32::from_bits(((e + 127) as u32) << 23)
}

/// The smallest exponent per column whose scale fits the column's largest magnitude into
/// `width`.
fn exponents(values: &[f32], k: usize, width: Width) -> Vec<i32> {
    (0..k)
        .map(|c| {
            let m = values.iter().skip(c).step_by(k).fold(0.0f32, |m, v| m.max(v.abs()));
            let mut e = MIN_EXPONENT;
            while e < width.max_exponent() && width.max() * pow2(e) < m {
                e += 1;
            }
            e
        })
        .collect()
}

/// Round `values` (columns of `k`) to what [`Writer::quantised`] stores, so that a model in
/// memory and the same model read back from its file are the same.
#[cfg(any(test, feature = "train"))]
pub(crate) fn quantise(values: &mut [f32], k: usize, width: Width) {
    let exponents = exponents(values, k, width);
    for (i, v) in values.iter_mut().enumerate() {
        let scale = pow2(exponents[i % k]);
        *v = width.level(*v, scale) * scale;
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
            // Written out rather than formatted: float formatting would add 10 KB to the page.
            Err(ModelError::Invalid { offset: at, what: format!("{what} is out of range (beyond ±1e9)") })
        } else {
            Ok(v)
        }
    }

    /// `n` floats as [`Self::f32`] reads them; a file too short for all of them is refused
    /// before any is read.
    pub(crate) fn f32s(&mut self, n: usize, what: &'static str) -> Result<Vec<f32>, ModelError> {
        let at = self.offset();
        let block = self.take(n.saturating_mul(4), what)?;
        let mut floats = Reader::new(block, at, self.file_len);
        (0..n).map(|_| floats.f32(what)).collect()
    }

    pub(crate) fn str(&mut self, what: &'static str) -> Result<&'a str, ModelError> {
        let len = self.u32(what)? as usize;
        let at = self.offset();
        let bytes = self.take(len, what)?;
        std::str::from_utf8(bytes)
            .map_err(|_| ModelError::Invalid { offset: at, what: format!("{what} is not valid UTF-8") })
    }

    /// A LEB128 integer of at most 64 bits.
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<u64, ModelError> {
        let at = self.offset();
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8(what)?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ModelError::Invalid { offset: at, what: format!("{what} is longer than 64 bits") })
    }

    /// A varint no larger than `max`.
    pub(crate) fn varint_at_most(&mut self, max: usize, what: &'static str) -> Result<usize, ModelError> {
        let at = self.offset();
        match usize::try_from(self.varint(what)?) {
            Ok(v) if v <= max => Ok(v),
            _ => Err(ModelError::Invalid { offset: at, what: format!("{what} is larger than {max}") }),
        }
    }

    /// `n` strings written by [`Writer::front_coded`].
    pub(crate) fn front_coded(&mut self, n: usize, what: &'static str) -> Result<Vec<String>, ModelError> {
        let mut out: Vec<String> = Vec::with_capacity(n.min(self.remaining() / 2));
        for _ in 0..n {
            let prev = out.last().map_or("", String::as_str);
            let at = self.offset();
            let shared = self.varint_at_most(prev.len(), what)?;
            if !prev.is_char_boundary(shared) {
                return Err(ModelError::Invalid { offset: at, what: format!("{what} shares part of a character") });
            }
            let len = self.varint_at_most(self.remaining(), what)?;
            let at = self.offset();
            let rest = std::str::from_utf8(self.take(len, what)?)
                .map_err(|_| ModelError::Invalid { offset: at, what: format!("{what} is not valid UTF-8") })?;
            let item = [&prev[..shared], rest].concat();
            out.push(item);
        }
        Ok(out)
    }

    /// `n` values (columns of `k`) written by [`Writer::quantised`].
    pub(crate) fn quantised(
        &mut self,
        n: usize,
        k: usize,
        width: Width,
        what: &'static str,
    ) -> Result<Vec<f32>, ModelError> {
        let mut scales = Vec::with_capacity(k);
        for _ in 0..k {
            let at = self.offset();
            let e = i32::from(self.u8(what)? as i8);
            if !(MIN_EXPONENT..=width.max_exponent()).contains(&e) {
                return Err(ModelError::Invalid { offset: at, what: format!("{what} scale 2^{e} is out of range") });
            }
            scales.push(pow2(e));
        }
        let start = self.offset();
        let bytes = self.take(n.saturating_mul(width.bytes()), what)?;
        let values: Vec<i16> = match width {
            Width::I8 => bytes.iter().map(|&b| i16::from(b as i8)).collect(),
            Width::I16 => bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect(),
        };
        // The writer rounds into ±max; the one value outside it would be rewritten one scale
        // coarser on save, and a model that loads must save to the model it is.
        if let Some(i) = values.iter().position(|&q| f32::from(q).abs() > width.max()) {
            return Err(ModelError::Invalid {
                offset: start + i * width.bytes(),
                what: format!("{what} value {} is outside the symmetric range ±{}", values[i], width.max() as i32),
            });
        }
        Ok(values.iter().enumerate().map(|(i, &q)| f32::from(q) * scales[i % k]).collect())
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
        w.buf.extend_from_slice(&(1u64 << 40).to_le_bytes());
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
    fn varints_front_coding_and_quantised_values_round_trip() {
        let mut w = Writer::default();
        for v in [0, 127, 128, 300, u64::MAX] {
            w.varint(v);
        }
        let words = ["工作", "工作总结", "工具", "abc", "abd"];
        w.front_coded(words);
        let mut values = vec![0.31, -2.0, 0.0, 7.5, -0.004, 1e-3, 0.2, 0.0];
        quantise(&mut values, 2, Width::I8);
        w.quantised(&values, 2, Width::I8);
        let mut r = Reader::new(&w.buf, 0, w.buf.len());
        for v in [0, 127, 128, 300, u64::MAX] {
            assert_eq!(r.varint("v").unwrap(), v);
        }
        assert_eq!(r.front_coded(5, "word").unwrap(), words);
        assert_eq!(r.quantised(8, 2, Width::I8, "weight").unwrap(), values);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn quantising_keeps_values_close() {
        let original: Vec<f32> = (0..64).map(|i| (i as f32 * 0.37).sin() * 4.0).collect();
        for (width, step) in [(Width::I8, 4.0 / 63.5), (Width::I16, 4.0 / 16383.0)] {
            let mut values = original.clone();
            quantise(&mut values, 4, width);
            for (a, b) in original.iter().zip(&values) {
                assert!((a - b).abs() <= step / 2.0, "{width:?}: {a} became {b}");
            }
            // Quantised values are left as they are.
            let again = {
                let mut v = values.clone();
                quantise(&mut v, 4, width);
                v
            };
            assert_eq!(again, values);
        }
    }

    #[test]
    fn quantised_values_stay_within_the_magnitude_bound() {
        for width in [Width::I8, Width::I16] {
            assert!(width.max() * pow2(width.max_exponent()) <= MAX_MAGNITUDE);
            assert!(width.max() * pow2(width.max_exponent() + 1) > MAX_MAGNITUDE);
            // A scale beyond the bound is refused.
            let bytes = [(width.max_exponent() + 1) as u8, 1, 0];
            let err = Reader::new(&bytes, 0, 3).quantised(1, 1, width, "weight").unwrap_err();
            assert!(err.to_string().contains("out of range"), "{err}");
        }
    }

    #[test]
    fn the_most_negative_integer_is_refused() {
        // The writer never stores it: read, it would save one scale coarser.
        for (width, bytes) in [(Width::I8, vec![0, 1, 0x80]), (Width::I16, vec![0, 1, 0, 0x00, 0x80])] {
            // A scale, then the values 1 and the minimum: the second is refused, at its offset.
            let err = Reader::new(&bytes, 10, bytes.len() + 10).quantised(2, 1, width, "weight").unwrap_err();
            let at = 10 + 1 + width.bytes();
            assert!(matches!(&err, ModelError::Invalid { offset, .. } if *offset == at), "{err:?}");
            assert!(err.to_string().contains("symmetric range"), "{err}");
        }
        // Its neighbour is stored and read.
        let got = Reader::new(&[0, 0x81], 0, 2).quantised(1, 1, Width::I8, "weight").unwrap();
        assert_eq!(got, [-127.0]);
    }

    #[test]
    fn bad_front_coding_is_invalid() {
        // Shares 4 bytes of a previous string of 6 ("工作"): inside its second character.
        let mut w = Writer::default();
        w.front_coded(["工作"]);
        w.varint(4);
        w.varint(0);
        let mut r = Reader::new(&w.buf, 0, w.buf.len());
        assert!(matches!(r.front_coded(2, "word"), Err(ModelError::Invalid { .. })));
        // Shares more than the previous string has.
        let mut w = Writer::default();
        w.varint(1);
        w.varint(0);
        let mut r = Reader::new(&w.buf, 0, w.buf.len());
        assert!(matches!(r.front_coded(1, "word"), Err(ModelError::Invalid { offset: 0, .. })));
        // A varint that never ends.
        let r = &mut Reader::new(&[0xff; 11], 0, 11);
        assert!(matches!(r.varint("count"), Err(ModelError::Invalid { .. })));
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
