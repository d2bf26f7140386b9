//! Turns laid-out pages into PDF bytes: one compressed content stream per
//! page, and each face used as a Type0 font (Identity-H) over a CIDFontType2
//! whose TrueType program is subset to the glyphs drawn. The subsetter numbers
//! the kept glyphs 0, 1, 2 … in the order they were first drawn; that number
//! is the CID written in the text and, through `CIDToGIDMap /Identity`, the
//! glyph in the subset. A ToUnicode map gives each CID its character back, so
//! text extraction and search work.

use crate::RenderError;
use crate::font::{Font, FontId, Fonts, GlyphSet};
use crate::layout::{Color, Op, Page};
use crate::units::{PAGE_HEIGHT, PAGE_WIDTH, f, n};
use maksa_domain::document::JustificationDocument;
use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::cell::RefCell;
use time::UtcOffset;

/// zlib level: 6 is the usual balance; higher levels save a few hundred bytes
/// a document at twice the time.
const COMPRESSION: u8 = 6;

/// Resource names of the two faces in the pages' resource dictionaries.
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

const IDENTITY: SystemInfo<'static> = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// Object numbers, handed out in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

pub(crate) fn write(
    fonts: &Fonts,
    document: &JustificationDocument,
    language_tag: &str,
    pages: &[Page],
) -> Result<Vec<u8>, RenderError> {
    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let catalog_id = refs.next();
    let tree_id = refs.next();
    let info_id = refs.next();
    let regular_id = refs.next();
    let bold_id = refs.next();

    let mut regular = GlyphSet::new();
    let mut bold = GlyphSet::new();
    let mut page_ids = Vec::with_capacity(pages.len());
    for page in pages {
        let page_id = refs.next();
        let content_id = refs.next();
        page_ids.push(page_id);
        let content = content(fonts, page, &mut regular, &mut bold);
        let compressed = deflate(&content);
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
        let mut p = pdf.page(page_id);
        p.media_box(Rect::new(0.0, 0.0, f(PAGE_WIDTH), f(PAGE_HEIGHT)))
            .parent(tree_id)
            .contents(content_id);
        let mut resources = p.resources();
        let mut font_dict = resources.fonts();
        if !regular.is_empty() {
            font_dict.pair(REGULAR, regular_id);
        }
        if !bold.is_empty() {
            font_dict.pair(BOLD, bold_id);
        }
        font_dict.finish();
        resources.finish();
        p.finish();
    }

    for (font, glyphs, id) in [
        (&fonts.regular, &regular, regular_id),
        (&fonts.bold, &bold, bold_id),
    ] {
        if !glyphs.is_empty() {
            embed(&mut pdf, &mut refs, id, font, glyphs)?;
        }
    }

    let count = i32::try_from(page_ids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree_id).kids(page_ids).count(count);
    pdf.catalog(catalog_id)
        .pages(tree_id)
        .lang(TextStr(language_tag));
    let issued = document.issued_at.to_offset(UtcOffset::UTC);
    let created = Date::new(u16::try_from(issued.year()).unwrap_or(0))
        .month(u8::from(issued.month()))
        .day(issued.day())
        .hour(issued.hour())
        .minute(issued.minute())
        .second(issued.second())
        .utc_offset_hour(0);
    pdf.document_info(info_id)
        .title(TextStr(&document.number))
        .producer(TextStr("maksa"))
        .creation_date(created);
    Ok(pdf.finish())
}

/// A page's content stream.
fn content(fonts: &Fonts, page: &Page, regular: &mut GlyphSet, bold: &mut GlyphSet) -> Vec<u8> {
    let mut c = Content::new();
    // Shapes first, so that text is always on top of a shaded background.
    for op in &page.ops {
        match *op {
            Op::Fill {
                x,
                y,
                width,
                height,
                color,
            } => {
                set_fill(&mut c, color);
                c.rect(f(x), f(y), f(width), f(height)).fill_nonzero();
            }
            Op::Line {
                from,
                to,
                width,
                color,
            } => {
                let (r, g, b) = rgb(color);
                c.set_stroke_rgb(r, g, b)
                    .set_line_width(f(width))
                    .move_to(f(from.0), f(from.1))
                    .line_to(f(to.0), f(to.1))
                    .stroke();
            }
            Op::Text { .. } => {}
        }
    }
    c.begin_text();
    let mut current: Option<(FontId, i32)> = None;
    let mut current_color = None;
    let mut encoded = Vec::new();
    for op in &page.ops {
        let Op::Text {
            font,
            size,
            color,
            x,
            y,
            ref text,
        } = *op
        else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        if current != Some((font, size)) {
            let name = match font {
                FontId::Regular => REGULAR,
                FontId::Bold => BOLD,
            };
            c.set_font(name, f(size));
            current = Some((font, size));
        }
        if current_color != Some(color) {
            set_fill(&mut c, color);
            current_color = Some(color);
        }
        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, f(x), f(y)]);
        encoded.clear();
        let set = match font {
            FontId::Regular => &mut *regular,
            FontId::Bold => &mut *bold,
        };
        set.encode(fonts.get(font), text, &mut encoded);
        c.show(Str(&encoded));
    }
    c.end_text();
    c.finish().into_vec()
}

fn rgb(color: Color) -> (f32, f32, f32) {
    match color {
        Color::Text => (0.09, 0.11, 0.14),
        Color::Muted => (0.38, 0.42, 0.47),
        Color::Accent => (0.07, 0.25, 0.45),
        Color::Rule => (0.78, 0.81, 0.85),
        Color::Shade => (0.92, 0.94, 0.97),
    }
}

fn set_fill(c: &mut Content, color: Color) {
    let (r, g, b) = rgb(color);
    c.set_fill_rgb(r, g, b);
}

/// Writes the Type0 font `id` with its descendant, descriptor, subset
/// program and ToUnicode map.
fn embed(
    pdf: &mut Pdf,
    refs: &mut Refs,
    id: Ref,
    font: &Font,
    glyphs: &GlyphSet,
) -> Result<(), RenderError> {
    let cid_id = refs.next();
    let descriptor_id = refs.next();
    let file_id = refs.next();
    let cmap_id = refs.next();

    let subset = subsetter::subset(&font.program, 0, &glyphs.remapper)
        .map_err(|e| RenderError::Subset(format!("{}: {e}", font.name)))?;
    let base = format!("{}+{}", subset_tag(glyphs), font.name);
    let base = Name(base.as_bytes());

    pdf.type0_font(id)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(IDENTITY)
        .font_descriptor(descriptor_id)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    // Widths of CIDs 0, 1, 2 …: the kept glyphs in the subsetter's order.
    let widths = glyphs
        .remapper
        .remapped_gids()
        .map(|glyph| n(i32::from(font.glyph_width(glyph))))
        .collect::<Vec<_>>();
    cid.widths().consecutive(0, widths);
    cid.finish();

    let bold = font.name.ends_with("Bold");
    let [x1, y1, x2, y2] = font.bbox;
    pdf.font_descriptor(descriptor_id)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(n(x1), n(y1), n(x2), n(y2)))
        .italic_angle(0.0)
        .ascent(n(i32::from(font.ascent)))
        .descent(n(i32::from(font.descent)))
        .cap_height(n(i32::from(font.cap_height)))
        .stem_v(if bold { 140.0 } else { 80.0 })
        .font_file2(file_id);

    let compressed = deflate(&subset);
    pdf.stream(file_id, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (&cid, &c) in &glyphs.unicode {
        cmap.pair(cid, c);
    }
    let cmap = cmap.finish();
    let compressed = deflate(cmap.as_slice());
    pdf.stream(cmap_id, &compressed).filter(Filter::FlateDecode);
    Ok(())
}

/// The six capital letters before a subset font's name (PDF 32000 9.6.4):
/// derived from the glyphs kept, so equal subsets share a tag and the same
/// document gets the same one every time.
fn subset_tag(glyphs: &GlyphSet) -> String {
    // FNV-1a over the kept glyph ids.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for glyph in glyphs.remapper.remapped_gids() {
        for byte in glyph.to_be_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|_| {
            let letter = u8::try_from(hash % 26).unwrap_or(0);
            hash /= 26;
            char::from(b'A' + letter)
        })
        .collect()
}

/// zlib-wrapped deflate of `data`. The compressor's state (some 300 KB of
/// tables) is kept per thread and reset between streams: allocating and
/// clearing it anew for each of a document's five streams cost more than
/// compressing them. A reset compressor gives the same bytes as a new one.
fn deflate(mut data: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: RefCell<Option<Box<CompressorOxide>>> = const { RefCell::new(None) };
    }
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = slot.get_or_insert_with(|| {
            // window_bits > 0: with the zlib header and checksum, as
            // FlateDecode expects.
            let flags = create_comp_flags_from_zip_params(i32::from(COMPRESSION), 15, 0);
            Box::new(CompressorOxide::new(flags))
        });
        compressor.reset();
        let mut out = vec![0; data.len() / 2 + 64];
        let mut written = 0;
        loop {
            let (status, read, wrote) =
                compress(compressor, data, &mut out[written..], TDEFLFlush::Finish);
            written += wrote;
            data = data.get(read..).unwrap_or_default();
            match status {
                TDEFLStatus::Done => break,
                TDEFLStatus::Okay => {
                    if out.len() - written < 64 {
                        out.resize(out.len() * 2, 0);
                    }
                }
                // Only for invalid arguments, which these are not; stop
                // rather than loop.
                _ => break,
            }
        }
        out.truncate(written);
        out
    })
}
