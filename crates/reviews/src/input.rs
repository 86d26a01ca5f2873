//! Reviews as flat, interned columns, read from CSV; one bad cell refuses the whole file.

use std::collections::HashMap;

/// Marks an absent seller (the `seller_id` column is optional).
pub const NO_SELLER: u32 = u32::MAX;
/// Marks an absent timestamp.
pub const NO_TIME: i64 = i64::MIN;
/// A larger file is refused rather than read into memory.
pub const ROWS_MAX: usize = 20_000_000;
/// Longer review texts are cut at a character boundary: the detectors need no more.
pub const TEXT_BYTES_MAX: usize = 4_096;

/// Why a CSV file was refused. Lines are 1-based (the header is line 1), columns too.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("line 1: missing required column `{0}`")]
    MissingColumn(&'static str),
    #[error("line 1, column {column}: column `{name}` appears twice")]
    DuplicateColumn { column: usize, name: String },
    #[error("line {line}, column {column} ({name}): {message}")]
    Cell {
        line: u64,
        column: usize,
        name: &'static str,
        message: String,
    },
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("more than {ROWS_MAX} rows")]
    TooManyRows,
    #[error("no reviews in the file")]
    Empty,
}

/// One review with owned fields, before interning: what a generator or a test builds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub review_id: Option<String>,
    pub reviewer_id: String,
    pub product_id: String,
    pub seller_id: Option<String>,
    pub rating: f32,
    /// Unix seconds.
    pub created_at: Option<i64>,
    pub text: Option<String>,
    pub verified_purchase: Option<bool>,
    /// Unix seconds.
    pub reviewer_created_at: Option<i64>,
    pub reviewer_links: Vec<String>,
    pub seller_links: Vec<String>,
    /// The reviewer is known to be linked to this review's seller.
    pub linked_to_seller: Option<bool>,
}

#[derive(Debug, Default, Clone)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("fewer than 2^32 ids");
        self.ids.insert(s.into(), i);
        self.names.push(s.into());
        i
    }
}

/// Every review of a file, column by column, with reviewers, products, sellers and
/// links as dense indices. Built only through [`parse_csv`] or [`Builder`], so a rating
/// is always in 0..=5 and every index is in range.
#[derive(Debug, Clone)]
pub struct Reviews {
    reviewer_names: Vec<Box<str>>,
    product_names: Vec<Box<str>>,
    seller_names: Vec<Box<str>>,
    links: usize,
    pub(crate) reviewer: Vec<u32>,
    pub(crate) product: Vec<u32>,
    pub(crate) rating: Vec<f32>,
    /// Per product: its seller (the first one named for it), or [`NO_SELLER`].
    pub(crate) product_seller: Vec<u32>,
    pub(crate) created_at: Vec<i64>,
    pub(crate) text: Vec<Box<str>>,
    /// 0 = no, 1 = yes, 2 = not said.
    pub(crate) verified: Vec<u8>,
    /// Per reviewer.
    pub(crate) reviewer_created_at: Vec<i64>,
    /// Per reviewer, sorted and deduplicated link ids.
    pub(crate) reviewer_links: Vec<Vec<u32>>,
    /// Per seller, sorted and deduplicated link ids.
    pub(crate) seller_links: Vec<Vec<u32>>,
    /// Per reviewer: flagged as linked to a seller it reviewed (`linked_to_seller`).
    pub(crate) seller_flagged: Vec<bool>,
}

impl Reviews {
    pub fn len(&self) -> usize {
        self.rating.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rating.is_empty()
    }
    pub fn reviewer_count(&self) -> usize {
        self.reviewer_names.len()
    }
    pub fn product_count(&self) -> usize {
        self.product_names.len()
    }
    pub fn seller_count(&self) -> usize {
        self.seller_names.len()
    }
    pub fn link_count(&self) -> usize {
        self.links
    }
    pub fn reviewer_name(&self, i: usize) -> &str {
        &self.reviewer_names[i]
    }
    pub fn product_name(&self, i: usize) -> &str {
        &self.product_names[i]
    }
    pub fn seller_name(&self, i: usize) -> &str {
        &self.seller_names[i]
    }
    /// The index of a reviewer id, if it is in the data (a linear search: for tests
    /// and reports, not for loops).
    pub fn reviewer_index(&self, id: &str) -> Option<usize> {
        self.reviewer_names.iter().position(|n| &**n == id)
    }
    pub fn has_dates(&self) -> bool {
        self.created_at.iter().any(|&t| t != NO_TIME)
    }
    pub fn has_text(&self) -> bool {
        self.text.iter().any(|t| !t.is_empty())
    }
    pub fn has_verified(&self) -> bool {
        self.verified.iter().any(|&v| v != 2)
    }
    pub fn has_sellers(&self) -> bool {
        !self.seller_names.is_empty()
    }
}

/// Interns rows one at a time into [`Reviews`].
#[derive(Debug, Default)]
pub struct Builder {
    reviewers: Interner,
    products: Interner,
    sellers: Interner,
    links: Interner,
    reviewer: Vec<u32>,
    product: Vec<u32>,
    rating: Vec<f32>,
    product_seller: Vec<u32>,
    created_at: Vec<i64>,
    text: Vec<Box<str>>,
    verified: Vec<u8>,
    reviewer_created_at: Vec<i64>,
    reviewer_links: Vec<Vec<u32>>,
    seller_links: Vec<Vec<u32>>,
    seller_flagged: Vec<bool>,
}

/// What a builder refuses; the CSV reader turns it into a [`ParseError::Cell`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowError {
    EmptyReviewer,
    EmptyProduct,
    RatingOutOfRange,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one review. The rating must be a finite number in 0..=5.
    pub fn push(&mut self, row: &Row) -> Result<(), RowError> {
        self.push_parts(
            &row.reviewer_id,
            &row.product_id,
            row.seller_id.as_deref(),
            row.rating,
            row.created_at,
            row.text.as_deref(),
            row.verified_purchase,
            row.reviewer_created_at,
            row.reviewer_links.iter().map(String::as_str),
            row.seller_links.iter().map(String::as_str),
            row.linked_to_seller.unwrap_or(false),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push_parts<'a>(
        &mut self,
        reviewer_id: &str,
        product_id: &str,
        seller_id: Option<&str>,
        rating: f32,
        created_at: Option<i64>,
        text: Option<&str>,
        verified: Option<bool>,
        reviewer_created_at: Option<i64>,
        reviewer_links: impl Iterator<Item = &'a str>,
        seller_links: impl Iterator<Item = &'a str>,
        linked_to_seller: bool,
    ) -> Result<(), RowError> {
        let reviewer_id = reviewer_id.trim();
        let product_id = product_id.trim();
        if reviewer_id.is_empty() {
            return Err(RowError::EmptyReviewer);
        }
        if product_id.is_empty() {
            return Err(RowError::EmptyProduct);
        }
        if !(rating.is_finite() && (0.0..=5.0).contains(&rating)) {
            return Err(RowError::RatingOutOfRange);
        }
        let u = self.reviewers.intern(reviewer_id);
        if u as usize == self.reviewer_created_at.len() {
            self.reviewer_created_at.push(NO_TIME);
            self.reviewer_links.push(Vec::new());
            self.seller_flagged.push(false);
        }
        self.seller_flagged[u as usize] |= linked_to_seller;
        let p = self.products.intern(product_id);
        if p as usize == self.product_seller.len() {
            self.product_seller.push(NO_SELLER);
        }
        if let Some(s) = seller_id.map(str::trim).filter(|s| !s.is_empty()) {
            let s = self.sellers.intern(s);
            if s as usize == self.seller_links.len() {
                self.seller_links.push(Vec::new());
            }
            if self.product_seller[p as usize] == NO_SELLER {
                self.product_seller[p as usize] = s;
            }
            for l in seller_links.map(str::trim).filter(|l| !l.is_empty()) {
                let l = self.links.intern(l);
                self.seller_links[s as usize].push(l);
            }
        }
        if let Some(t) = reviewer_created_at {
            let slot = &mut self.reviewer_created_at[u as usize];
            if *slot == NO_TIME || t < *slot {
                *slot = t;
            }
        }
        for l in reviewer_links.map(str::trim).filter(|l| !l.is_empty()) {
            let l = self.links.intern(l);
            self.reviewer_links[u as usize].push(l);
        }
        self.reviewer.push(u);
        self.product.push(p);
        self.rating.push(rating);
        self.created_at.push(created_at.unwrap_or(NO_TIME));
        self.text.push(cut(text.unwrap_or("")).into());
        self.verified.push(match verified {
            Some(false) => 0,
            Some(true) => 1,
            None => 2,
        });
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.rating.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rating.is_empty()
    }

    pub fn finish(mut self) -> Reviews {
        for l in self
            .reviewer_links
            .iter_mut()
            .chain(self.seller_links.iter_mut())
        {
            l.sort_unstable();
            l.dedup();
        }
        Reviews {
            reviewer_names: self.reviewers.names,
            product_names: self.products.names,
            seller_names: self.sellers.names,
            links: self.links.names.len(),
            reviewer: self.reviewer,
            product: self.product,
            rating: self.rating,
            product_seller: self.product_seller,
            created_at: self.created_at,
            text: self.text,
            verified: self.verified,
            reviewer_created_at: self.reviewer_created_at,
            reviewer_links: self.reviewer_links,
            seller_links: self.seller_links,
            seller_flagged: self.seller_flagged,
        }
    }
}

fn cut(text: &str) -> &str {
    if text.len() <= TEXT_BYTES_MAX {
        return text;
    }
    let mut end = TEXT_BYTES_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

const COLUMNS: [&str; 12] = [
    "review_id",
    "reviewer_id",
    "product_id",
    "seller_id",
    "rating",
    "created_at",
    "text",
    "verified_purchase",
    "reviewer_created_at",
    "reviewer_links",
    "seller_links",
    "linked_to_seller",
];
const REQUIRED: [&str; 3] = ["reviewer_id", "product_id", "rating"];

/// Reads a whole CSV file with a header row. Column names are matched without regard
/// to case or surrounding spaces; unknown columns are skipped. The first bad cell
/// refuses the file.
pub fn parse_csv<R: std::io::Read>(input: R) -> Result<Reviews, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header = reader.byte_headers().map_err(csv_error)?.clone();
    // Position of each known column in the file, by index into COLUMNS.
    let mut at = [usize::MAX; COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
        let name = name.trim_start_matches('\u{feff}');
        if let Some(k) = COLUMNS.iter().position(|c| *c == name) {
            if at[k] != usize::MAX {
                return Err(ParseError::DuplicateColumn {
                    column: i + 1,
                    name: name.to_string(),
                });
            }
            at[k] = i;
        }
    }
    for r in REQUIRED {
        let k = COLUMNS
            .iter()
            .position(|c| *c == r)
            .expect("required is known");
        if at[k] == usize::MAX {
            return Err(ParseError::MissingColumn(r));
        }
    }
    let col = |name: &str| at[COLUMNS.iter().position(|c| *c == name).expect("known")];
    let (c_reviewer, c_product, c_rating) = (col("reviewer_id"), col("product_id"), col("rating"));
    let (c_seller, c_created, c_text, c_verified) = (
        col("seller_id"),
        col("created_at"),
        col("text"),
        col("verified_purchase"),
    );
    let (c_rcreated, c_rlinks, c_slinks, c_linked) = (
        col("reviewer_created_at"),
        col("reviewer_links"),
        col("seller_links"),
        col("linked_to_seller"),
    );

    let mut builder = Builder::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e)),
        }
        if builder.len() >= ROWS_MAX {
            return Err(ParseError::TooManyRows);
        }
        let line = record.position().map_or(0, |p| p.line());
        let cell_error = |c: usize, name: &'static str, message: String| ParseError::Cell {
            line,
            column: c + 1,
            name,
            message,
        };
        let get = |c: usize| if c == usize::MAX { "" } else { &record[c] };
        let rating_s = get(c_rating).trim();
        let rating: f32 = rating_s.parse().map_err(|_| {
            cell_error(
                c_rating,
                "rating",
                format!("`{rating_s}` is not a number from 0 to 5"),
            )
        })?;
        let time = |c: usize, name: &'static str| -> Result<Option<i64>, ParseError> {
            let s = get(c).trim();
            if s.is_empty() {
                return Ok(None);
            }
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.timestamp()))
                .map_err(|e| cell_error(c, name, format!("`{s}` is not an RFC 3339 time: {e}")))
        };
        let created_at = time(c_created, "created_at")?;
        let reviewer_created_at = time(c_rcreated, "reviewer_created_at")?;
        let flag = |c: usize, name: &'static str| -> Result<Option<bool>, ParseError> {
            let s = get(c).trim();
            match s.to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "yes" | "y" | "1" => Ok(Some(true)),
                "false" | "no" | "n" | "0" => Ok(Some(false)),
                _ => Err(cell_error(c, name, format!("`{s}` is not true or false"))),
            }
        };
        let verified = flag(c_verified, "verified_purchase")?;
        let linked_to_seller = flag(c_linked, "linked_to_seller")?;
        let text = get(c_text);
        builder
            .push_parts(
                get(c_reviewer),
                get(c_product),
                Some(get(c_seller)),
                rating,
                created_at,
                Some(text),
                verified,
                reviewer_created_at,
                get(c_rlinks).split(';'),
                get(c_slinks).split(';'),
                linked_to_seller.unwrap_or(false),
            )
            .map_err(|e| match e {
                RowError::EmptyReviewer => {
                    cell_error(c_reviewer, "reviewer_id", "empty reviewer id".into())
                }
                RowError::EmptyProduct => {
                    cell_error(c_product, "product_id", "empty product id".into())
                }
                RowError::RatingOutOfRange => {
                    cell_error(c_rating, "rating", format!("{rating_s} is outside 0 to 5"))
                }
            })?;
    }
    if builder.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(builder.finish())
}

fn csv_error(e: csv::Error) -> ParseError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 in field {}", err.field() + 1),
        _ => e.to_string(),
    };
    ParseError::Csv { line, message }
}

/// Writes rows as CSV with every column, the form [`parse_csv`] reads.
pub fn write_csv<W: std::io::Write>(rows: &[Row], out: W) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    let time = |t: Option<i64>| {
        t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    for r in rows {
        w.write_record([
            r.review_id.clone().unwrap_or_default(),
            r.reviewer_id.clone(),
            r.product_id.clone(),
            r.seller_id.clone().unwrap_or_default(),
            format!("{}", r.rating),
            time(r.created_at),
            r.text.clone().unwrap_or_default(),
            r.verified_purchase
                .map(|v| v.to_string())
                .unwrap_or_default(),
            time(r.reviewer_created_at),
            r.reviewer_links.join(";"),
            r.seller_links.join(";"),
            r.linked_to_seller
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `csv` and compares a one-line summary (or the error) with `expect`.
    fn check(csv: &str, expect: &str) {
        let got = match parse_csv(csv.as_bytes()) {
            Ok(r) => format!(
                "ok: {} reviews, {} reviewers, {} products, {} sellers, dates {}, text {}, verified {}, links {}",
                r.len(),
                r.reviewer_count(),
                r.product_count(),
                r.seller_count(),
                r.has_dates(),
                r.has_text(),
                r.has_verified(),
                r.link_count()
            ),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "for input:\n{csv}");
    }

    #[test]
    fn required_columns_only() {
        check(
            "reviewer_id,product_id,rating\nr1,p1,4.5\nr2,p1,0\nr1,p2,5\n",
            "ok: 3 reviews, 2 reviewers, 2 products, 0 sellers, dates false, text false, verified false, links 0",
        );
    }

    #[test]
    fn every_column_any_order_and_case() {
        check(
            "Text, RATING ,product_id,reviewer_id,seller_id,created_at,verified_purchase,reviewer_created_at,reviewer_links,seller_links,review_id,extra\n\
             \"Great, really\",5,p1,r1,s1,2025-01-02T03:04:05Z,yes,2024-12-30T00:00:00+01:00,d1;c2,c2,x1,ignored\n\
             ,3.5,p2,r2,s1,,,,,,x2,\n",
            "ok: 2 reviews, 2 reviewers, 2 products, 1 sellers, dates true, text true, verified true, links 2",
        );
    }

    #[test]
    fn missing_required_column_refuses_the_file() {
        check(
            "reviewer_id,rating\nr1,5\n",
            "error: line 1: missing required column `product_id`",
        );
    }

    #[test]
    fn rating_out_of_range_names_line_and_column() {
        check(
            "reviewer_id,product_id,rating\nr1,p1,5\nr2,p1,5.5\n",
            "error: line 3, column 3 (rating): 5.5 is outside 0 to 5",
        );
        check(
            "reviewer_id,product_id,rating\nr1,p1,-1\n",
            "error: line 2, column 3 (rating): -1 is outside 0 to 5",
        );
        check(
            "reviewer_id,product_id,rating\nr1,p1,five\n",
            "error: line 2, column 3 (rating): `five` is not a number from 0 to 5",
        );
        check(
            "reviewer_id,product_id,rating\nr1,p1,NaN\n",
            "error: line 2, column 3 (rating): NaN is outside 0 to 5",
        );
    }

    #[test]
    fn bad_date_names_line_and_column() {
        check(
            "reviewer_id,product_id,rating,created_at\nr1,p1,5,2025-01-01T00:00:00Z\nr1,p2,4,2025-13-01\n",
            "error: line 3, column 4 (created_at): `2025-13-01` is not an RFC 3339 time: premature end of input",
        );
    }

    #[test]
    fn other_bad_cells_and_rows() {
        check(
            "reviewer_id,product_id,rating,verified_purchase\nr1,p1,5,maybe\n",
            "error: line 2, column 4 (verified_purchase): `maybe` is not true or false",
        );
        check(
            "reviewer_id,product_id,rating\n ,p1,5\n",
            "error: line 2, column 1 (reviewer_id): empty reviewer id",
        );
        check(
            "reviewer_id,product_id,rating\nr1,p1,5\nr2,p2\n",
            "error: line 3: 2 fields where the header has 3",
        );
        check(
            "reviewer_id,product_id,rating,rating\nr1,p1,5,4\n",
            "error: line 1, column 4: column `rating` appears twice",
        );
        check(
            "reviewer_id,product_id,rating\n",
            "error: no reviews in the file",
        );
    }
}
