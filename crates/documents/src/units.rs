//! Lengths are integers: thousandths of a PDF point (1 pt = 1/72 inch). The
//! layout computes only with these; a length becomes a float once, as it is
//! written (`f`), so the same document always gives the same bytes.

/// A length in thousandths of a point.
pub(crate) type Mpt = i32;

/// Whole points.
pub(crate) const fn pt(points: i32) -> Mpt {
    points * 1000
}

/// A length in points, as pdf-writer takes it. The only floating-point
/// arithmetic of the crate: one division of an exactly representable integer
/// (every length here is far below 2^24).
#[allow(clippy::cast_precision_loss, clippy::float_arithmetic)]
pub(crate) fn f(value: Mpt) -> f32 {
    value as f32 / 1000.0
}

/// A number that is not a length (glyph-space widths, font metrics in
/// thousandths of an em), as pdf-writer takes it.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn n(value: i32) -> f32 {
    value as f32
}

/// A4 in thousandths of a point (210 × 297 mm).
pub(crate) const PAGE_WIDTH: Mpt = 595_276;
pub(crate) const PAGE_HEIGHT: Mpt = 841_890;
