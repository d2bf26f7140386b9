//! The two embedded faces (DejaVu Sans and DejaVu Sans Bold): character to
//! glyph, advance widths for layout, and the glyphs one document uses.
//!
//! Widths are kept in thousandths of an em, rounded once, because that is
//! what the PDF's `W` array says: layout and viewer measure the same text the
//! same way, so right-aligned amounts end exactly where they should.

use crate::RenderError;
use crate::unhinted::strip_hinting;
use crate::units::Mpt;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Characters below this are looked up once, when the face is loaded: every
/// Latin letter with its diacritics (Latvian, Lithuanian, Estonian, German,
/// Polish …) and the general punctuation block's quotes and dashes are then
/// a table read.
const CACHED: usize = 0x2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FontId {
    Regular,
    Bold,
}

pub(crate) struct Font {
    /// PostScript name, without the subset tag.
    pub name: &'static str,
    /// The font without hinting (`unhinted.rs`): what is subset and embedded.
    pub program: Vec<u8>,
    /// The font as shipped: character map and metrics.
    face: Face<'static>,
    /// (glyph, width in thousandths of an em) for the characters below `CACHED`;
    /// glyph 0 where the font has none.
    cached: Vec<(u16, u16)>,
    /// The glyph drawn for a character the font lacks (U+FFFD, else `?`), its
    /// width, and that character: what a reader of the PDF's text gets back.
    fallback: (u16, u16, char),
    pub ascent: i16,
    pub descent: i16,
    pub cap_height: i16,
    /// Font bounding box in thousandths of an em.
    pub bbox: [i32; 4],
}

pub(crate) struct Fonts {
    pub regular: Font,
    pub bold: Font,
}

impl Fonts {
    pub fn get(&self, id: FontId) -> &Font {
        match id {
            FontId::Regular => &self.regular,
            FontId::Bold => &self.bold,
        }
    }
}

/// The faces, parsed once per process.
pub(crate) fn fonts() -> Result<&'static Fonts, RenderError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: Font::load("DejaVuSans", REGULAR)?,
                bold: Font::load("DejaVuSans-Bold", BOLD)?,
            })
        })
        .as_ref()
        .map_err(|e| RenderError::Font(e.clone()))
}

impl Font {
    fn load(name: &'static str, data: &'static [u8]) -> Result<Font, String> {
        let face = Face::parse(data, 0).map_err(|e| format!("{name}: {e}"))?;
        let units_per_em = face.units_per_em();
        if units_per_em == 0 {
            return Err(format!("{name}: units per em is 0"));
        }
        let per_mille = |units: i32| -> i32 {
            // Rounded half away from zero, in integers.
            let scaled = units * 1000;
            let em = i32::from(units_per_em);
            if scaled >= 0 {
                (scaled + em / 2) / em
            } else {
                (scaled - em / 2) / em
            }
        };
        let width = |glyph: GlyphId| -> u16 {
            let advance = face.glyph_hor_advance(glyph).unwrap_or(0);
            u16::try_from(per_mille(i32::from(advance))).unwrap_or(u16::MAX)
        };
        let lookup = |c: char| face.glyph_index(c).map(|g| (g.0, width(g)));
        let fallback = ['\u{FFFD}', '?']
            .into_iter()
            .find_map(|c| lookup(c).map(|(glyph, width)| (glyph, width, c)))
            .unwrap_or((0, width(GlyphId(0)), '?'));
        let cached = (0..CACHED)
            .map(|code| {
                u32::try_from(code)
                    .ok()
                    .and_then(char::from_u32)
                    .and_then(lookup)
                    .unwrap_or((0, 0))
            })
            .collect();
        let bbox = face.global_bounding_box();
        Ok(Font {
            name,
            program: strip_hinting(data).map_err(|e| format!("{name}: {e}"))?,
            cached,
            fallback,
            ascent: i16::try_from(per_mille(i32::from(face.ascender()))).unwrap_or(800),
            descent: i16::try_from(per_mille(i32::from(face.descender()))).unwrap_or(-200),
            cap_height: i16::try_from(per_mille(i32::from(face.capital_height().unwrap_or(700))))
                .unwrap_or(700),
            bbox: [
                per_mille(i32::from(bbox.x_min)),
                per_mille(i32::from(bbox.y_min)),
                per_mille(i32::from(bbox.x_max)),
                per_mille(i32::from(bbox.y_max)),
            ],
            face,
        })
    }

    /// The glyph drawn for `c`, its width in thousandths of an em, and the
    /// character it stands for in the text a reader extracts: `c` itself, or
    /// the fallback's character where the font has no glyph for `c`.
    pub fn resolve(&self, c: char) -> (u16, u16, char) {
        let code = usize::try_from(u32::from(c)).unwrap_or(usize::MAX);
        let found = match self.cached.get(code) {
            Some(&(glyph, width)) => (glyph != 0).then_some((glyph, width)),
            None => self
                .face
                .glyph_index(c)
                .map(|g| (g.0, self.glyph_width(g.0))),
        };
        match found {
            Some((glyph, width)) => (glyph, width, c),
            None => self.fallback,
        }
    }

    /// Width of `text` at `size`, both in thousandths of a point.
    pub fn width(&self, text: &str, size: Mpt) -> Mpt {
        let per_mille: i64 = text.chars().map(|c| i64::from(self.resolve(c).1)).sum();
        let width = per_mille * i64::from(size) / 1000;
        Mpt::try_from(width).unwrap_or(Mpt::MAX)
    }

    /// Advance width of a glyph (original id) in thousandths of an em, rounded.
    pub fn glyph_width(&self, glyph: u16) -> u16 {
        let advance = self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0);
        let em = u32::from(self.face.units_per_em()).max(1);
        u16::try_from((u32::from(advance) * 1000 + em / 2) / em).unwrap_or(u16::MAX)
    }
}

/// The glyphs of one font one document uses: the subsetter's renumbering
/// (new glyph id = CID in the PDF) and, for the ToUnicode map, the character
/// each glyph was first drawn for.
pub(crate) struct GlyphSet {
    pub remapper: GlyphRemapper,
    pub unicode: BTreeMap<u16, char>,
}

impl GlyphSet {
    pub fn new() -> Self {
        GlyphSet {
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        }
    }

    /// Appends the 2-byte CIDs of `text` to `out`, registering each glyph.
    pub fn encode(&mut self, font: &Font, text: &str, out: &mut Vec<u8>) {
        for c in text.chars() {
            let (glyph, _, shown) = font.resolve(c);
            let cid = self.remapper.remap(glyph);
            self.unicode.entry(cid).or_insert(shown);
            out.extend_from_slice(&cid.to_be_bytes());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.unicode.is_empty()
    }
}
