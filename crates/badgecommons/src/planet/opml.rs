//! OPML 2.0, the list format feed readers exchange subscriptions in: the planet's subscriptions
//! as one public document (`/planet.opml`, and `badgecommons planet export`), and an import of
//! another planet's or reader's list (the admin page, and `badgecommons planet import`).
//!
//! Reading is done with quick-xml's pull parser under limits: at most [`MAX_OPML_BYTES`] and
//! [`MAX_OUTLINES`] outlines, and a document with a `<!DOCTYPE>` is refused outright, so no entity
//! a document declares is ever expanded (quick-xml never expands them by itself either; refusing
//! says so clearly instead of leaving `&name;` in a title). Only the five predefined XML entities
//! and character references are read. Outlines with an `xmlUrl` are feeds wherever they are
//! nested (folders are flattened); `htmlUrl` becomes the feed's site; import does not fetch: the
//! polling job reads each new feed when it comes due (at once).

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::subscriptions;
use crate::store::Db;
use crate::web::Failure;
use sqlx::Row as _;

/// The largest OPML document read (1 MiB, thousands of subscriptions).
pub const MAX_OPML_BYTES: usize = 1024 * 1024;

/// The most outlines read from one document.
pub const MAX_OUTLINES: usize = 10_000;

/// One subscription of an OPML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outline {
    pub title: String,
    pub xml_url: String,
    pub html_url: Option<String>,
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// Writes an OPML 2.0 document.
pub fn write(title: &str, outlines: &[Outline]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head>\n",
    );
    xml.push_str(&format!("<title>{}</title>\n", escape(title)));
    xml.push_str(&format!(
        "<dateCreated>{}</dateCreated>\n</head>\n<body>\n",
        chrono::Utc::now().to_rfc2822()
    ));
    for o in outlines {
        xml.push_str(&format!(
            "<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"",
            escape(&o.title),
            escape(&o.xml_url)
        ));
        if let Some(html) = &o.html_url {
            xml.push_str(&format!(" htmlUrl=\"{}\"", escape(html)));
        }
        xml.push_str("/>\n");
    }
    xml.push_str("</body>\n</opml>\n");
    xml
}

/// Why an OPML document could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpmlError {
    #[error(
        "the file is too large for an OPML list ({size} bytes; the limit is {MAX_OPML_BYTES})"
    )]
    TooLarge { size: usize },
    #[error("the file declares a DOCTYPE, which an OPML list never needs: refused so that no entity is expanded")]
    Doctype,
    #[error("the file has more than {MAX_OUTLINES} outlines")]
    TooManyOutlines,
    #[error("the file is not an OPML document (its root element is <{0}>)")]
    NotOpml(String),
    #[error("the file is not well-formed XML: {0}")]
    Malformed(String),
}

fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>, OpmlError> {
    for attr in element.attributes().with_checks(false) {
        let attr = attr.map_err(|e| OpmlError::Malformed(e.to_string()))?;
        if attr.key.as_ref().eq_ignore_ascii_case(name) {
            let value = attr
                .unescape_value()
                .map_err(|e| OpmlError::Malformed(e.to_string()))?;
            return Ok(Some(value.trim().to_string()));
        }
    }
    Ok(None)
}

/// Reads the feed outlines of an OPML document (1.0 or 2.0).
pub fn read(bytes: &[u8]) -> Result<Vec<Outline>, OpmlError> {
    if bytes.len() > MAX_OPML_BYTES {
        return Err(OpmlError::TooLarge { size: bytes.len() });
    }
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut outlines = Vec::new();
    let mut seen = 0usize;
    let mut root_checked = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| OpmlError::Malformed(e.to_string()))?;
        match event {
            Event::DocType(_) => return Err(OpmlError::Doctype),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_lowercase();
                if !root_checked {
                    if name != "opml" {
                        return Err(OpmlError::NotOpml(name));
                    }
                    root_checked = true;
                } else if name == "outline" {
                    seen += 1;
                    if seen > MAX_OUTLINES {
                        return Err(OpmlError::TooManyOutlines);
                    }
                    if let Some(xml_url) = attribute(e, b"xmlUrl")?.filter(|u| !u.is_empty()) {
                        let title = attribute(e, b"title")?
                            .filter(|t| !t.is_empty())
                            .or(attribute(e, b"text")?)
                            .unwrap_or_default();
                        outlines.push(Outline {
                            title,
                            xml_url,
                            html_url: attribute(e, b"htmlUrl")?.filter(|u| !u.is_empty()),
                        });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_checked {
        return Err(OpmlError::Malformed("the file is empty".to_string()));
    }
    Ok(outlines)
}

/// Every subscription of the planet, as OPML titled after the community `site_name`.
pub async fn export(db: &Db, site_name: &str) -> Result<String, Failure> {
    let rows = sqlx::query(
        "SELECT f.url, f.title, f.site_url, u.username FROM planet_feeds f \
         LEFT JOIN users u ON u.id = f.member_id ORDER BY f.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut outlines = Vec::with_capacity(rows.len());
    for row in rows {
        let url: String = row.try_get("url")?;
        let title: Option<String> = row.try_get("title")?;
        let member: Option<String> = row.try_get("username")?;
        let title = match (title.filter(|t| !t.trim().is_empty()), member) {
            (Some(t), _) => t,
            (None, Some(m)) => m,
            (None, None) => url.clone(),
        };
        outlines.push(Outline {
            title,
            xml_url: url,
            html_url: row.try_get("site_url")?,
        });
    }
    Ok(write(&format!("{site_name} planet"), &outlines))
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub added: usize,
    /// Already on the planet.
    pub existing: usize,
    /// One line per outline that could not be added.
    pub problems: Vec<String>,
}

/// Adds the document's feeds for `member_id` (`None`: the community), skipping those already
/// there; a bad outline is reported and the rest still imported.
pub async fn import(
    db: &Db,
    bytes: &[u8],
    member_id: Option<i64>,
    added_by: Option<i64>,
) -> Result<ImportReport, Failure> {
    let outlines = read(bytes)
        .map_err(|e| Failure::Invalid(format!("The OPML file cannot be imported: {e}.")))?;
    let mut report = ImportReport::default();
    for outline in outlines {
        let title = Some(outline.title.as_str()).filter(|t| !t.is_empty());
        match subscriptions::add_feed(
            db,
            &outline.xml_url,
            outline.html_url.as_deref(),
            title,
            member_id,
            added_by,
        )
        .await
        {
            Ok(added) if added.new => report.added += 1,
            Ok(_) | Err(Failure::Conflict(_)) => report.existing += 1,
            Err(Failure::Invalid(problem)) => report
                .problems
                .push(format!("{}: {problem}", outline.xml_url)),
            Err(other) => return Err(other),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_documents_read_back() {
        let outlines = vec![
            Outline {
                title: "Ada's <notes> & more".to_string(),
                xml_url: "https://ada.example/feed.xml?a=1&b=2".to_string(),
                html_url: Some("https://ada.example/".to_string()),
            },
            Outline {
                title: "Community".to_string(),
                xml_url: "https://c.example/atom".to_string(),
                html_url: None,
            },
        ];
        assert_eq!(read(write("Planet", &outlines).as_bytes()), Ok(outlines));
    }

    #[test]
    fn nested_folders_are_flattened_and_text_stands_in_for_title() {
        let doc = br#"<?xml version="1.0"?><opml version="1.0"><head/><body>
            <outline text="Folder"><outline text="Inner" xmlUrl="https://x.example/rss"/></outline>
        </body></opml>"#;
        let read = read(doc).expect("read");
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].title, "Inner");
    }

    #[test]
    fn entities_are_never_expanded() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
            <opml version="2.0"><body><outline title="&b;" xmlUrl="https://x.example/"/></body></opml>"#;
        assert_eq!(read(laughs), Err(OpmlError::Doctype));
        let external =
            br#"<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>"#;
        assert_eq!(read(external), Err(OpmlError::Doctype));
    }

    #[test]
    fn limits_and_wrong_documents_are_clear_errors() {
        assert!(matches!(
            read(&vec![b' '; MAX_OPML_BYTES + 1]),
            Err(OpmlError::TooLarge { .. })
        ));
        assert_eq!(
            read(b"<rss version=\"2.0\"/>"),
            Err(OpmlError::NotOpml("rss".to_string()))
        );
        let many = format!(
            "<opml><body>{}</body></opml>",
            "<outline text=\"x\"/>".repeat(MAX_OUTLINES + 1)
        );
        assert_eq!(read(many.as_bytes()), Err(OpmlError::TooManyOutlines));
        assert!(matches!(
            read(b"<opml><body><outline"),
            Err(OpmlError::Malformed(_))
        ));
    }
}
