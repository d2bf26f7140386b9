//! A copy of a TrueType font without its hinting: the glyphs' bytecode
//! instructions and the `cvt `, `fpgm` and `prep` tables go.
//!
//! Hinting adjusts outlines to the pixel grid of low-resolution screens.
//! PDF viewers and printers render at sizes where it does not matter (and
//! most ignore it), but in DejaVu it is about half of every glyph: without it
//! an embedded subset is about half the size and takes half the time to
//! compress. Outlines, metrics and glyph ids are untouched; the tests below
//! check every glyph's outline against the original.
//!
//! Done once per process, on the whole font, before any subsetting.

/// Tables that only hinting uses.
const HINTING_TABLES: [&[u8; 4]; 6] = [b"cvt ", b"fpgm", b"prep", b"hdmx", b"LTSH", b"VDMX"];

// Composite glyph component flags (OpenType `glyf`).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;
const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn usize_of(value: u32) -> Option<usize> {
    usize::try_from(value).ok()
}

struct Table<'a> {
    tag: [u8; 4],
    data: &'a [u8],
}

/// `font` without hinting, or why it could not be read.
pub(crate) fn strip_hinting(font: &[u8]) -> Result<Vec<u8>, String> {
    strip(font).ok_or_else(|| "not a TrueType font this can read".to_owned())
}

fn strip(font: &[u8]) -> Option<Vec<u8>> {
    let version = u32_at(font, 0)?;
    let count = usize::from(u16_at(font, 4)?);
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let record = 12 + 16 * i;
        let tag: [u8; 4] = font.get(record..record + 4)?.try_into().ok()?;
        let offset = usize_of(u32_at(font, record + 8)?)?;
        let length = usize_of(u32_at(font, record + 12)?)?;
        let data = font.get(offset..offset.checked_add(length)?)?;
        tables.push(Table { tag, data });
    }
    let find = |tag: &[u8; 4]| tables.iter().find(|t| &t.tag == tag).map(|t| t.data);
    let head = find(b"head")?;
    let long_offsets = u16_at(head, 50)? == 1;
    let glyph_count = usize::from(u16_at(find(b"maxp")?, 4)?);
    let loca = find(b"loca")?;
    let glyf = find(b"glyf")?;

    let mut new_glyf = Vec::with_capacity(glyf.len() / 2);
    let mut new_loca = Vec::with_capacity(loca.len());
    let offset_at = |i: usize| -> Option<usize> {
        if long_offsets {
            usize_of(u32_at(loca, 4 * i)?)
        } else {
            Some(usize::from(u16_at(loca, 2 * i)?) * 2)
        }
    };
    let push_offset = |loca: &mut Vec<u8>, offset: usize| -> Option<()> {
        if long_offsets {
            loca.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        } else {
            loca.extend_from_slice(&u16::try_from(offset / 2).ok()?.to_be_bytes());
        }
        Some(())
    };
    for i in 0..glyph_count {
        push_offset(&mut new_loca, new_glyf.len())?;
        let glyph = glyf.get(offset_at(i)?..offset_at(i + 1)?)?;
        if !glyph.is_empty() {
            strip_glyph(glyph, &mut new_glyf)?;
            // Every glyph starts at an even offset (at a multiple of 4, as
            // fonts usually do).
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    push_offset(&mut new_loca, new_glyf.len())?;

    let kept: Vec<Table> = tables
        .into_iter()
        .filter(|t| !HINTING_TABLES.contains(&&t.tag))
        .map(|t| match &t.tag {
            b"glyf" => Table {
                tag: t.tag,
                data: &new_glyf,
            },
            b"loca" => Table {
                tag: t.tag,
                data: &new_loca,
            },
            _ => t,
        })
        .collect();
    Some(assemble(version, &kept))
}

/// Appends `glyph` without its instructions to `out`.
fn strip_glyph(glyph: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let contours = i16::from_be_bytes(glyph.get(0..2)?.try_into().ok()?);
    if let Ok(contours) = usize::try_from(contours) {
        // Simple glyph: header, end points, instruction length, instructions,
        // then flags and coordinates.
        let length_at = 10 + 2 * contours;
        let instructions = usize::from(u16_at(glyph, length_at)?);
        out.extend_from_slice(glyph.get(..length_at)?);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(glyph.get(length_at + 2 + instructions..)?);
    } else {
        // Composite glyph: components, then instructions if a component
        // says so.
        out.extend_from_slice(glyph.get(..10)?);
        let mut at = 10;
        loop {
            let flags = u16_at(glyph, at)?;
            let arguments = if flags & ARG_1_AND_2_ARE_WORDS != 0 {
                4
            } else {
                2
            };
            let transform = if flags & WE_HAVE_A_SCALE != 0 {
                2
            } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
                4
            } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
                8
            } else {
                0
            };
            let end = at + 4 + arguments + transform;
            out.extend_from_slice(&(flags & !WE_HAVE_INSTRUCTIONS).to_be_bytes());
            out.extend_from_slice(glyph.get(at + 2..end)?);
            at = end;
            if flags & MORE_COMPONENTS == 0 {
                break;
            }
        }
    }
    Some(())
}

/// An OpenType file of `tables`, in the order given, with the table
/// directory, checksums and the head table's checksum adjustment.
fn assemble(version: u32, tables: &[Table]) -> Vec<u8> {
    let count = u16::try_from(tables.len()).unwrap_or(u16::MAX);
    let mut power = 1_u16;
    let mut log = 0_u16;
    while power.saturating_mul(2) <= count {
        power = power.saturating_mul(2);
        log += 1;
    }
    let search_range = power.saturating_mul(16);
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&log.to_be_bytes());
    out.extend_from_slice(&(count.saturating_mul(16) - search_range).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for table in tables {
        let length = u32::try_from(table.data.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&table.tag);
        let mut data = table.data.to_vec();
        if &table.tag == b"head" && data.len() >= 12 {
            // Zero while the checksums are computed (OpenType `head`).
            data[8..12].copy_from_slice(&[0; 4]);
        }
        out.extend_from_slice(&checksum(&data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(&length.to_be_bytes());
        offset += table.data.len().next_multiple_of(4);
    }
    for table in tables {
        if &table.tag == b"head" {
            head_at = Some(out.len());
        }
        out.extend_from_slice(table.data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(at) = head_at.filter(|at| out.len() >= at + 12) {
        out[at + 8..at + 12].copy_from_slice(&[0; 4]);
        let adjustment = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

/// The OpenType table checksum: the sum of big-endian u32 words, the last
/// one padded with zeros.
fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0_u32, |sum, chunk| {
        let mut word = [0_u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ttf_parser::{Face, GlyphId, OutlineBuilder};

    #[derive(Default)]
    struct Recorder(String);

    impl OutlineBuilder for Recorder {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("M{x},{y}");
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("L{x},{y}");
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0 += &format!("Q{x1},{y1},{x},{y}");
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0 += &format!("C{x1},{y1},{x2},{y2},{x},{y}");
        }
        fn close(&mut self) {
            self.0 += "Z";
        }
    }

    fn outline(face: &Face, glyph: u16) -> (String, Option<ttf_parser::Rect>) {
        let mut recorder = Recorder::default();
        let bbox = face.outline_glyph(GlyphId(glyph), &mut recorder);
        (recorder.0, bbox)
    }

    #[test]
    fn every_outline_and_advance_stays_as_it_was() {
        for font in [
            &include_bytes!("../fonts/DejaVuSans.ttf")[..],
            &include_bytes!("../fonts/DejaVuSans-Bold.ttf")[..],
        ] {
            let stripped = strip_hinting(font).unwrap();
            assert!(
                stripped.len() < font.len() * 95 / 100,
                "{} → {}",
                font.len(),
                stripped.len()
            );
            let before = Face::parse(font, 0).unwrap();
            let after = Face::parse(&stripped, 0).unwrap();
            assert_eq!(before.number_of_glyphs(), after.number_of_glyphs());
            for glyph in 0..before.number_of_glyphs() {
                assert_eq!(
                    outline(&before, glyph),
                    outline(&after, glyph),
                    "glyph {glyph}"
                );
                assert_eq!(
                    before.glyph_hor_advance(GlyphId(glyph)),
                    after.glyph_hor_advance(GlyphId(glyph))
                );
            }
            for tag in HINTING_TABLES {
                let tag = ttf_parser::Tag::from_bytes(tag);
                assert!(after.raw_face().table(tag).is_none());
            }
            // The whole file checks out: table checksums and the head's
            // adjustment make the file sum to the magic number.
            assert_eq!(checksum(&stripped), 0xB1B0_AFBA);
        }
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(strip_hinting(b"").is_err());
        assert!(strip_hinting(&[0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0]).is_err());
        let mut font = include_bytes!("../fonts/DejaVuSans.ttf")[..4000].to_vec();
        font.truncate(3000);
        assert!(strip_hinting(&font).is_err());
    }
}
