//! Distances in units in the last place, for results that agree with a reference to a few
//! roundings rather than within a relative tolerance (samplers whose last step rounds
//! differently; the distance is the count of representable floats between the two values).

/// A float's bit pattern (`width` bits wide) as a position on a line where adjacent floats
/// differ by 1: sign-magnitude turned into two's complement, so -0 and +0 coincide and the
/// distance between two values is the difference of their positions.
fn position(bits: u64, width: u32) -> i128 {
    let sign = 1u64 << (width - 1);
    if bits & sign != 0 {
        -((bits & !sign) as i128)
    } else {
        bits as i128
    }
}

/// How many representable floats of a `width`-bit format lie between two bit patterns.
pub fn ulps_apart(got: u64, want: u64, width: u32) -> u128 {
    (position(got, width) - position(want, width)).unsigned_abs()
}

/// Panics naming the first element of `got` more than `max` ulp from `want` (bit patterns of a
/// `width`-bit float format), or if the lengths differ.
pub fn assert_within_ulps(what: &str, got: &[u64], want: &[u64], width: u32, max: u128) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: {} values computed, {} expected",
        got.len(),
        want.len()
    );
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let d = ulps_apart(g, w, width);
        assert!(
            d <= max,
            "{what}[{i}]: bits {g:x} vs expected {w:x}, {d} ulp apart (at most {max} allowed)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_one_apart_across_zero() {
        let one = 1.0f32.to_bits() as u64;
        assert_eq!(ulps_apart(one, one + 1, 32), 1);
        // The smallest positive and negative subnormals are two apart, via the zeros.
        let (tiny, neg_tiny) = (1u64, 0x8000_0001u64);
        assert_eq!(ulps_apart(tiny, neg_tiny, 32), 2);
        assert_eq!(ulps_apart(0, 0x8000_0000, 32), 0);
        let h = 0x3c00u64; // 1.0 in float16
        assert_eq!(ulps_apart(h, h + 4, 16), 4);
    }

    #[test]
    #[should_panic(expected = "x[1]: bits 3f800005 vs expected 3f800000, 5 ulp apart")]
    fn too_far_names_the_element() {
        assert_within_ulps("x", &[0x3f80_0000, 0x3f80_0005], &[0x3f80_0000; 2], 32, 4);
    }
}
