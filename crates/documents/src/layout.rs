//! Places a document's text on A4 pages: a list of drawing operations per
//! page, in thousandths of a point, origin bottom left. No PDF here; see
//! `pdf.rs` for how the operations become one.
//!
//! The page is a stack of rows. A row is a set of cells side by side, each
//! with its text already wrapped to the cell's width; the row is as tall as
//! its tallest cell. A section (a heading or a payment's title, then two
//! columns of label–value rows that flow independently) is measured before
//! it is placed: if it does not fit above the bottom margin, a new page
//! begins — with a short running header, and with the table header again
//! when the page break falls inside the table. Only what is taller than a
//! whole page is split: a section between its rows, a row between its lines.

use crate::font::{Font, FontId, Fonts};
use crate::format::{date, pdf_instant, riga_day};
use crate::labels::Labels;
use crate::units::{Mpt, PAGE_HEIGHT, PAGE_WIDTH, pt};
use maksa_domain::document::{DocumentLine, DocumentPayment, JustificationDocument, Party};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Color {
    /// Values: near black.
    Text,
    /// Labels, footers.
    Muted,
    /// Title, headings, the rule under the table header.
    Accent,
    /// Thin rules between rows.
    Rule,
    /// Background of the table header and the total.
    Shade,
}

pub(crate) enum Op {
    /// `text` with its baseline starting at (x, y).
    Text {
        font: FontId,
        size: Mpt,
        color: Color,
        x: Mpt,
        y: Mpt,
        text: String,
    },
    Line {
        from: (Mpt, Mpt),
        to: (Mpt, Mpt),
        width: Mpt,
        color: Color,
    },
    /// A filled rectangle; (x, y) is its lower left corner.
    Fill {
        x: Mpt,
        y: Mpt,
        width: Mpt,
        height: Mpt,
        color: Color,
    },
}

#[derive(Default)]
pub(crate) struct Page {
    pub ops: Vec<Op>,
}

const MARGIN_X: Mpt = pt(48);
const CONTENT_WIDTH: Mpt = PAGE_WIDTH - 2 * MARGIN_X;
const RIGHT: Mpt = MARGIN_X + CONTENT_WIDTH;
const TOP: Mpt = PAGE_HEIGHT - pt(44);
/// Nothing but the footer goes below this line.
const BOTTOM: Mpt = pt(58);
const FOOTER_RULE: Mpt = pt(42);
const FOOTER_BASELINE: Mpt = pt(30);
/// The gap between the two columns of a two-column section.
const GUTTER: Mpt = pt(24);
const COLUMN: Mpt = (CONTENT_WIDTH - GUTTER) / 2;
const SECTION_GAP: Mpt = pt(14);
/// Space between a cell's edge and its text, in the table.
const PAD: Mpt = pt(4);

#[derive(Debug, Clone, Copy)]
struct Style {
    font: FontId,
    size: Mpt,
    color: Color,
}

const TITLE: Style = Style {
    font: FontId::Bold,
    size: 20_000,
    color: Color::Accent,
};
const NUMBER: Style = Style {
    font: FontId::Bold,
    size: 11_000,
    color: Color::Text,
};
const HEADING: Style = Style {
    font: FontId::Bold,
    size: 9_500,
    color: Color::Accent,
};
const LABEL: Style = Style {
    font: FontId::Regular,
    size: 7_800,
    color: Color::Muted,
};
const VALUE: Style = Style {
    font: FontId::Regular,
    size: 9_000,
    color: Color::Text,
};
const VALUE_BOLD: Style = Style {
    font: FontId::Bold,
    size: 9_000,
    color: Color::Text,
};
/// For long identifiers (the request's GUID) that should stay on one line.
const VALUE_SMALL: Style = Style {
    font: FontId::Regular,
    size: 8_000,
    color: Color::Text,
};
const TABLE_HEAD: Style = Style {
    font: FontId::Bold,
    size: 8_000,
    color: Color::Text,
};
const TABLE_CELL: Style = Style {
    font: FontId::Regular,
    size: 8_800,
    color: Color::Text,
};
const GROUP: Style = Style {
    font: FontId::Bold,
    size: 8_000,
    color: Color::Accent,
};
const TOTAL: Style = Style {
    font: FontId::Bold,
    size: 11_000,
    color: Color::Text,
};
const FOOTER: Style = Style {
    font: FontId::Regular,
    size: 7_500,
    color: Color::Muted,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Text wrapped to a width, at a place.
struct Cell {
    x: Mpt,
    width: Mpt,
    align: Align,
    style: Style,
    lines: Vec<String>,
    /// Draw a rule under the cell, the full cell width.
    underline: bool,
}

struct Row {
    cells: Vec<Cell>,
    /// Extra space below the row.
    after: Mpt,
    /// A thin rule across the content width under the row (table rows).
    rule: bool,
}

/// Rows across the page, then two columns of rows side by side.
struct Section {
    head: Vec<Row>,
    left: Vec<Row>,
    right: Vec<Row>,
}

fn line_height(size: Mpt) -> Mpt {
    size * 135 / 100
}

impl Row {
    fn size(&self) -> Mpt {
        self.cells
            .iter()
            .map(|c| c.style.size)
            .max()
            .unwrap_or(VALUE.size)
    }

    fn line_count(&self) -> usize {
        self.cells.iter().map(|c| c.lines.len()).max().unwrap_or(0)
    }

    fn height(&self) -> Mpt {
        let lines = Mpt::try_from(self.line_count()).unwrap_or(Mpt::MAX / 4);
        lines.saturating_mul(line_height(self.size())) + self.after
    }
}

/// The columns of the positions table.
struct Table {
    code: (Mpt, Mpt),
    name: (Mpt, Mpt),
    quantity: (Mpt, Mpt),
    unit_price: (Mpt, Mpt),
    amount: (Mpt, Mpt),
}

const TABLE: Table = {
    let code_width = pt(72);
    let quantity_width = pt(60);
    let price_width = pt(70);
    let amount_width = pt(76);
    let name_width = CONTENT_WIDTH - code_width - quantity_width - price_width - amount_width;
    let name_x = MARGIN_X + code_width;
    let quantity_x = name_x + name_width;
    let price_x = quantity_x + quantity_width;
    let amount_x = price_x + price_width;
    Table {
        code: (MARGIN_X, code_width),
        name: (name_x, name_width),
        quantity: (quantity_x, quantity_width),
        unit_price: (price_x, price_width),
        amount: (amount_x, amount_width),
    }
};

pub(crate) struct Composer<'a> {
    fonts: &'a Fonts,
    labels: &'a Labels,
    document: &'a JustificationDocument,
    pages: Vec<Page>,
    page: Page,
    /// Top of the next row.
    y: Mpt,
    /// While the positions table is being laid out: its header goes at the top
    /// of every new page.
    in_table: bool,
}

/// Lays `document` out in the language of `labels`.
pub(crate) fn compose(
    fonts: &Fonts,
    labels: &Labels,
    document: &JustificationDocument,
) -> Vec<Page> {
    let mut c = Composer {
        fonts,
        labels,
        document,
        pages: Vec::new(),
        page: Page::default(),
        y: TOP,
        in_table: false,
    };
    c.title();
    c.document_and_request();
    c.parties();
    c.positions();
    c.payments();
    c.finish()
}

impl<'a> Composer<'a> {
    fn font(&self, style: Style) -> &'a Font {
        self.fonts.get(style.font)
    }

    fn cell(&self, x: Mpt, width: Mpt, align: Align, style: Style, text: &str) -> Cell {
        Cell {
            x,
            width,
            align,
            style,
            lines: wrap(self.font(style), style.size, text, width),
            underline: false,
        }
    }

    fn text(&mut self, style: Style, x: Mpt, y: Mpt, text: &str) {
        self.page.ops.push(Op::Text {
            font: style.font,
            size: style.size,
            color: style.color,
            x,
            y,
            text: text.to_owned(),
        });
    }

    fn rule(&mut self, x1: Mpt, x2: Mpt, y: Mpt, width: Mpt, color: Color) {
        self.page.ops.push(Op::Line {
            from: (x1, y),
            to: (x2, y),
            width,
            color,
        });
    }

    fn space(&mut self, height: Mpt) {
        self.y -= height;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn ensure(&mut self, height: Mpt) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        let full = std::mem::take(&mut self.page);
        self.pages.push(full);
        self.y = TOP;
        // Running header: what this page continues.
        let text = format!(
            "{} {} ({})",
            self.labels.title(self.document.kind),
            self.document.number,
            self.labels.continued
        );
        let row = Row {
            cells: vec![self.cell(MARGIN_X, CONTENT_WIDTH, Align::Left, LABEL, &text)],
            after: pt(3),
            rule: false,
        };
        self.draw(&row);
        self.rule(MARGIN_X, RIGHT, self.y, 500, Color::Rule);
        self.space(pt(10));
        if self.in_table {
            self.table_header();
        }
    }

    fn row(&mut self, row: &Row) {
        let height = row.height();
        if height <= TOP - BOTTOM {
            self.ensure(height);
        }
        self.draw(row);
    }

    /// Draws a row at the cursor. A cell's lines are written one after the
    /// other, so that a wrapped value stays one run of text for a reader
    /// that follows the content stream (copy and paste, `pdftotext -raw`).
    /// Only a row taller than what is left of the page is drawn line by line,
    /// with page breaks between its lines.
    fn draw(&mut self, row: &Row) {
        let size = row.size();
        let height = line_height(size);
        let baseline = (height - size) / 2 + size * 80 / 100;
        let lines = row.line_count();
        let total = Mpt::try_from(lines)
            .unwrap_or(Mpt::MAX / 4)
            .saturating_mul(height);
        if self.y - total >= BOTTOM {
            for cell in &row.cells {
                let mut y = self.y - baseline;
                for line in &cell.lines {
                    self.line(cell, y, line);
                    y -= height;
                }
            }
            self.y -= total;
        } else {
            for i in 0..lines {
                self.ensure(height);
                let y = self.y - baseline;
                for cell in &row.cells {
                    if let Some(line) = cell.lines.get(i) {
                        self.line(cell, y, line);
                    }
                }
                self.y -= height;
            }
        }
        let bottom = self.y - pt(2);
        for cell in row.cells.iter().filter(|c| c.underline) {
            self.rule(cell.x, cell.x + cell.width, bottom, 600, Color::Accent);
        }
        if row.rule {
            self.rule(MARGIN_X, RIGHT, self.y, 300, Color::Rule);
        }
        self.y -= row.after;
    }

    /// One line of a cell, its baseline at `y`.
    fn line(&mut self, cell: &Cell, y: Mpt, line: &str) {
        let x = match cell.align {
            Align::Left => cell.x,
            Align::Right => {
                cell.x + cell.width - self.font(cell.style).width(line, cell.style.size)
            }
        };
        self.text(cell.style, x, y, line);
    }

    // ----- the sections of the document -----

    fn title(&mut self) {
        let d = self.document;
        let l = self.labels;
        let title = self.cell(
            MARGIN_X,
            CONTENT_WIDTH * 3 / 5,
            Align::Left,
            TITLE,
            l.title(d.kind),
        );
        let number_x = MARGIN_X + CONTENT_WIDTH * 3 / 5;
        let number_width = CONTENT_WIDTH - CONTENT_WIDTH * 3 / 5;
        let number = self.cell(number_x, number_width, Align::Right, NUMBER, &d.number);
        self.draw(&Row {
            cells: vec![title, number],
            after: 0,
            rule: false,
        });
        let issued = format!("{} {}", l.issued_at, pdf_instant(d.issued_at));
        let issued = self.cell(number_x, number_width, Align::Right, LABEL, &issued);
        self.draw(&Row {
            cells: vec![issued],
            after: pt(4),
            rule: false,
        });
        self.rule(MARGIN_X, RIGHT, self.y, 1_200, Color::Accent);
        self.space(SECTION_GAP);
    }

    fn document_and_request(&mut self) {
        let d = self.document;
        let l = self.labels;
        let mut left = vec![
            (l.number, d.number.clone(), VALUE_BOLD),
            (l.version, d.version.to_string(), VALUE),
            (l.issued_at, pdf_instant(d.issued_at), VALUE),
        ];
        if let Some(day) = d.invoice_issue_date {
            left.push((l.invoice_issue_date, riga_day(day), VALUE));
        }
        let mut right = vec![
            (l.number, d.request_number.clone(), VALUE_BOLD),
            (l.request_id, d.request_id.to_string(), VALUE_SMALL),
            (l.created_at, pdf_instant(d.request_created_at), VALUE),
            (l.expires_at, pdf_instant(d.expires_at), VALUE),
            (l.status, l.status(d.status).to_owned(), VALUE_BOLD),
        ];
        if let Some(at) = d.paid_at {
            right.push((l.paid_at, pdf_instant(at), VALUE));
        }
        self.two_columns((l.document, left), (l.request, right));
        self.space(SECTION_GAP);
    }

    fn parties(&mut self) {
        let d = self.document;
        let l = self.labels;
        let issuer = self.party(&d.issuer, l.registration_number);
        let provider = self.party(&d.service_provider, l.registration_number);
        self.two_columns((l.issuer, issuer), (l.service_provider, provider));
        self.space(SECTION_GAP);
        let recipient = self.party(&d.recipient, l.code);
        let service = vec![
            ("", d.service_name.clone(), VALUE_BOLD),
            (l.step, d.step_name.clone(), VALUE),
        ];
        self.two_columns((l.addressee(d.kind), recipient), (l.service, service));
        self.space(SECTION_GAP);
    }

    /// A party's lines: the name in bold without a label, then code and address.
    fn party(&self, party: &Party, code_label: &'static str) -> Vec<(&'static str, String, Style)> {
        let mut lines = vec![("", party.name.clone(), VALUE_BOLD)];
        if let Some(code) = party.code.as_ref().filter(|c| !c.trim().is_empty()) {
            lines.push((code_label, code.clone(), VALUE));
        }
        if let Some(address) = party.address.as_ref().filter(|a| !a.trim().is_empty()) {
            lines.push((self.labels.address, address.clone(), VALUE));
        }
        lines
    }

    /// Two headed columns of label–value pairs side by side. A pair with an
    /// empty label spans the label's space too.
    fn two_columns(
        &mut self,
        left: (&str, Vec<(&'static str, String, Style)>),
        right: (&str, Vec<(&'static str, String, Style)>),
    ) {
        let right_x = MARGIN_X + COLUMN + GUTTER;
        let mut heading = vec![
            self.cell(MARGIN_X, COLUMN, Align::Left, HEADING, left.0),
            self.cell(right_x, COLUMN, Align::Left, HEADING, right.0),
        ];
        for cell in &mut heading {
            cell.underline = true;
        }
        let left_label = self.label_width(left.1.iter().map(|(label, _, _)| *label));
        let right_label = self.label_width(right.1.iter().map(|(label, _, _)| *label));
        let section = Section {
            head: vec![Row {
                cells: heading,
                after: pt(5),
                rule: false,
            }],
            left: self.pair_rows(MARGIN_X, left_label, &left.1),
            right: self.pair_rows(right_x, right_label, &right.1),
        };
        self.place(section);
    }

    /// How wide a column's labels are: the widest and a gap, at most 2/5 of
    /// the column (a longer label wraps).
    fn label_width<'l>(&self, labels: impl Iterator<Item = &'l str>) -> Mpt {
        labels
            .map(|label| self.font(LABEL).width(label, LABEL.size))
            .max()
            .unwrap_or(0)
            .saturating_add(pt(8))
            .min(COLUMN * 2 / 5)
    }

    /// One row per label–value pair, in a column at `x`.
    fn pair_rows(
        &self,
        x: Mpt,
        label_width: Mpt,
        pairs: &[(&'static str, String, Style)],
    ) -> Vec<Row> {
        pairs
            .iter()
            .map(|(label, value, style)| {
                let cells = if label.is_empty() {
                    vec![self.cell(x, COLUMN, Align::Left, *style, value)]
                } else {
                    vec![
                        self.cell(x, label_width, Align::Left, LABEL, label),
                        self.cell(
                            x + label_width,
                            COLUMN - label_width,
                            Align::Left,
                            *style,
                            value,
                        ),
                    ]
                };
                Row {
                    cells,
                    after: pt(1),
                    rule: false,
                }
            })
            .collect()
    }

    /// Places a section: its head rows across the page, then its two columns
    /// side by side, each flowing on its own, so that a long value in one
    /// column leaves no gap in the other. A section that fits on a page is
    /// not split. One taller than a page (texts of thousands of characters)
    /// goes row by row, the columns' rows paired, across as many pages as it
    /// takes, its head kept with the first pair.
    fn place(&mut self, section: Section) {
        let head: Mpt = section.head.iter().map(Row::height).sum();
        let column = |rows: &[Row]| rows.iter().map(Row::height).sum::<Mpt>();
        let total = head + column(&section.left).max(column(&section.right));
        if total <= TOP - BOTTOM {
            self.ensure(total);
            for row in &section.head {
                self.draw(row);
            }
            let top = self.y;
            for row in &section.left {
                self.draw(row);
            }
            let left_bottom = self.y;
            self.y = top;
            for row in &section.right {
                self.draw(row);
            }
            self.y = self.y.min(left_bottom);
            return;
        }
        let mut left = section.left.into_iter();
        let mut right = section.right.into_iter();
        let mut paired = Vec::new();
        loop {
            let (l, r) = (left.next(), right.next());
            if l.is_none() && r.is_none() {
                break;
            }
            let after = [&l, &r]
                .into_iter()
                .flatten()
                .map(|row| row.after)
                .max()
                .unwrap_or(0);
            let cells = l.into_iter().chain(r).flat_map(|row| row.cells).collect();
            paired.push(Row {
                cells,
                after,
                rule: false,
            });
        }
        let first = paired.first().map_or(0, Row::height);
        if head + first <= TOP - BOTTOM {
            self.ensure(head + first);
        }
        for row in section.head.iter().chain(&paired) {
            self.row(row);
        }
    }

    fn table_header(&mut self) {
        let l = self.labels;
        let t = &TABLE;
        let cells = vec![
            self.padded(t.code, Align::Left, TABLE_HEAD, l.column_code),
            self.padded(t.name, Align::Left, TABLE_HEAD, l.column_name),
            self.padded(t.quantity, Align::Right, TABLE_HEAD, l.column_quantity),
            self.padded(t.unit_price, Align::Right, TABLE_HEAD, l.column_unit_price),
            self.padded(t.amount, Align::Right, TABLE_HEAD, l.column_amount),
        ];
        let row = Row {
            cells,
            after: 0,
            rule: false,
        };
        let height = row.height() + pt(6);
        self.page.ops.push(Op::Fill {
            x: MARGIN_X,
            y: self.y - height,
            width: CONTENT_WIDTH,
            height,
            color: Color::Shade,
        });
        self.space(pt(3));
        self.draw(&row);
        self.space(pt(3));
        self.rule(MARGIN_X, RIGHT, self.y, 900, Color::Accent);
        self.space(pt(2));
    }

    /// A table cell: text inset by `PAD` on both sides.
    fn padded(&self, (x, width): (Mpt, Mpt), align: Align, style: Style, text: &str) -> Cell {
        self.cell(x + PAD, width - 2 * PAD, align, style, text)
    }

    fn positions(&mut self) {
        let d = self.document;
        let l = self.labels;
        // The header and at least one line stay together.
        let first_height = line_height(TABLE_HEAD.size) + pt(8) + 2 * line_height(TABLE_CELL.size);
        self.ensure(first_height);
        self.in_table = true;
        self.table_header();
        let grouped = d.payments.len() > 1;
        for payment in &d.payments {
            if grouped {
                let text = format!("{} · {}", l.payment(payment.sequence), payment.payee_name);
                let group = Row {
                    cells: vec![self.padded((MARGIN_X, CONTENT_WIDTH), Align::Left, GROUP, &text)],
                    after: 0,
                    rule: false,
                };
                // A group's heading is not left alone at the foot of a page.
                self.ensure(group.height() + pt(3) + line_height(TABLE_CELL.size) * 2);
                self.space(pt(3));
                self.row(&group);
            }
            for line in &payment.lines {
                let row = self.position(line);
                self.space(pt(2));
                self.row(&row);
            }
        }
        self.in_table = false;
        self.total();
    }

    fn position(&self, line: &DocumentLine) -> Row {
        let t = &TABLE;
        let quantity = line.quantity.map(|q| q.to_string()).unwrap_or_default();
        Row {
            cells: vec![
                self.padded(t.code, Align::Left, TABLE_CELL, &line.position),
                self.padded(t.name, Align::Left, TABLE_CELL, &line.name),
                self.padded(t.quantity, Align::Right, TABLE_CELL, &quantity),
                self.padded(
                    t.unit_price,
                    Align::Right,
                    TABLE_CELL,
                    &line.unit_price.to_string(),
                ),
                self.padded(t.amount, Align::Right, TABLE_CELL, &line.amount.to_string()),
            ],
            after: pt(2),
            rule: true,
        }
    }

    fn total(&mut self) {
        let d = self.document;
        let t = &TABLE;
        let x = t.unit_price.0 - pt(40);
        let width = RIGHT - x;
        let label = self.cell(x + PAD, width / 2, Align::Left, TOTAL, self.labels.total);
        let amount = self.cell(
            x + PAD,
            width - 2 * PAD,
            Align::Right,
            TOTAL,
            &format!("{} {}", d.total, d.currency),
        );
        let row = Row {
            cells: vec![label, amount],
            after: 0,
            rule: false,
        };
        let height = row.height() + pt(8);
        self.ensure(height + pt(4));
        self.space(pt(4));
        self.page.ops.push(Op::Fill {
            x,
            y: self.y - height,
            width,
            height,
            color: Color::Shade,
        });
        self.rule(x, RIGHT, self.y, 900, Color::Accent);
        self.space(pt(4));
        self.draw(&row);
        self.space(pt(4));
        self.space(SECTION_GAP + pt(4));
    }

    fn payments(&mut self) {
        let l = self.labels;
        for (i, payment) in self.document.payments.iter().enumerate() {
            let mut section = self.payment(payment);
            if i == 0 {
                // The section heading goes with the first payment.
                let heading = Cell {
                    underline: true,
                    ..self.cell(MARGIN_X, CONTENT_WIDTH, Align::Left, HEADING, l.payments)
                };
                section.head.insert(
                    0,
                    Row {
                        cells: vec![heading],
                        after: pt(6),
                        rule: false,
                    },
                );
            }
            self.place(section);
            self.space(pt(8));
        }
    }

    fn payment(&self, p: &DocumentPayment) -> Section {
        let l = self.labels;
        let currency = self.document.currency;
        let right_x = MARGIN_X + COLUMN + GUTTER;
        let title = self.cell(
            MARGIN_X,
            COLUMN,
            Align::Left,
            VALUE_BOLD,
            &l.payment(p.sequence),
        );
        let amount = self.cell(
            right_x,
            COLUMN,
            Align::Right,
            VALUE_BOLD,
            &format!("{} {currency}", p.amount),
        );
        let mut head = vec![Row {
            cells: vec![title, amount],
            after: pt(2),
            rule: true,
        }];
        let left = vec![
            (
                l.registration_number,
                p.payee_registration_number.clone(),
                VALUE,
            ),
            ("IBAN", p.payee_iban.clone(), VALUE),
            ("BIC", p.payee_bic.clone(), VALUE),
        ];
        let mut right = vec![
            (l.status, l.status(p.status).to_owned(), VALUE_BOLD),
            (
                l.payment_date,
                p.paid_at
                    .map(pdf_instant)
                    .unwrap_or_else(|| l.not_paid.to_owned()),
                VALUE,
            ),
        ];
        if let Some(provider) = p.provider.as_ref().filter(|p| !p.trim().is_empty()) {
            right.push((l.provider, provider.clone(), VALUE));
        }
        // The purpose's and the payee's labels line up with the left column's.
        let left_label = self.label_width(
            left.iter()
                .map(|(label, _, _)| *label)
                .chain([l.purpose, l.payee]),
        );
        let right_label = self.label_width(right.iter().map(|(label, _, _)| *label));
        // Purpose and payee are long: each has a line of its own.
        for (label, value, style) in [
            (l.purpose, &p.purpose, VALUE),
            (l.payee, &p.payee_name, VALUE_BOLD),
        ] {
            head.push(Row {
                cells: vec![
                    self.cell(MARGIN_X, left_label, Align::Left, LABEL, label),
                    self.cell(
                        MARGIN_X + left_label,
                        CONTENT_WIDTH - left_label,
                        Align::Left,
                        style,
                        value,
                    ),
                ],
                after: pt(2),
                rule: false,
            });
        }
        // The money seen on the Treasury account: one line of its own, so
        // that it reads as one sentence.
        if p.is_settled() {
            let day = p.settled_on.map(date);
            let reference = p
                .settlement_reference
                .as_deref()
                .filter(|r| !r.trim().is_empty());
            let text = l.settlement(day.as_deref(), reference);
            head.push(Row {
                cells: vec![self.cell(MARGIN_X, CONTENT_WIDTH, Align::Left, VALUE_BOLD, &text)],
                after: pt(2),
                rule: false,
            });
        }
        Section {
            head,
            left: self.pair_rows(MARGIN_X, left_label, &left),
            right: self.pair_rows(right_x, right_label, &right),
        }
    }

    /// Closes the last page and puts the footer (document, page of pages) on
    /// every page.
    fn finish(mut self) -> Vec<Page> {
        let last = std::mem::take(&mut self.page);
        self.pages.push(last);
        let count = self.pages.len();
        let left = format!(
            "{} · {}",
            self.labels.title(self.document.kind),
            self.document.number
        );
        let font = self.font(FOOTER);
        for (index, page) in self.pages.iter_mut().enumerate() {
            let number = format!("{} {}/{count}", self.labels.page, index + 1);
            page.ops.push(Op::Line {
                from: (MARGIN_X, FOOTER_RULE),
                to: (RIGHT, FOOTER_RULE),
                width: 400,
                color: Color::Rule,
            });
            page.ops.push(Op::Text {
                font: FOOTER.font,
                size: FOOTER.size,
                color: FOOTER.color,
                x: MARGIN_X,
                y: FOOTER_BASELINE,
                text: left.clone(),
            });
            page.ops.push(Op::Text {
                font: FOOTER.font,
                size: FOOTER.size,
                color: FOOTER.color,
                x: RIGHT - font.width(&number, FOOTER.size),
                y: FOOTER_BASELINE,
                text: number,
            });
        }
        self.pages
    }
}

/// Breaks `text` into lines no wider than `width`: at spaces, at line breaks
/// the text has, and inside a word only when the word alone is wider than the
/// line. Runs of white space become one space; control characters go.
pub(crate) fn wrap(font: &Font, size: Mpt, text: &str, width: Mpt) -> Vec<String> {
    let space = font.width(" ", size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0;
        for word in paragraph.split_whitespace() {
            let word: String = word.chars().filter(|c| !c.is_control()).collect();
            let mut word_width = font.width(&word, size);
            if !line.is_empty() && line_width + space + word_width <= width {
                line.push(' ');
                line.push_str(&word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut word = word.as_str();
            // A word wider than the line is cut where it must be.
            while word_width > width {
                let mut taken = 0;
                let mut end = 0;
                for (at, c) in word.char_indices() {
                    let w = font.width(c.encode_utf8(&mut [0; 4]), size);
                    if taken + w > width && end > 0 {
                        break;
                    }
                    taken += w;
                    end = at + c.len_utf8();
                }
                lines.push(word[..end].to_owned());
                word = &word[end..];
                word_width = font.width(word, size);
            }
            line.push_str(word);
            line_width = word_width;
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::font::fonts;

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let font = &fonts().unwrap().regular;
        let text = "Čiekurkalna 1. līnija 1 k-3, Rīga, LV-1026, Latvija — \
                    ļoti gara adrese ar daudziem vārdiem";
        let width = pt(90);
        let lines = wrap(font, 9_000, text, width);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(font.width(line, 9_000) <= width, "{line}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut() {
        let font = &fonts().unwrap().regular;
        let word = "RF18MK000000000000000000000000000A1XYZ";
        let lines = wrap(font, 9_000, word, pt(60));
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word);
        for line in &lines {
            assert!(font.width(line, 9_000) <= pt(60));
        }
    }

    #[test]
    fn line_breaks_are_kept_and_controls_dropped() {
        let font = &fonts().unwrap().regular;
        let lines = wrap(font, 9_000, "a\u{7}b  c\nd", pt(400));
        assert_eq!(lines, vec!["ab c".to_owned(), "d".to_owned()]);
        assert_eq!(wrap(font, 9_000, "", pt(100)), vec![String::new()]);
    }
}
