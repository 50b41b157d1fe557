//! RDFC-1.0 for the usual case: every blank node told apart by its first-degree hash.
//!
//! Why by hand: `rdf-canon` (which does every other case) spends most of a credential's
//! canonicalization building an indexed dataset and formatting strings it then discards,
//! several times what the algorithm needs. When the first-degree hashes (RDFC-1.0 §4.6) of all
//! blank nodes differ, the algorithm ends there: labels are issued in hash order and the
//! N-Quads sorted. [`canonicalize_distinct`] does exactly that and answers `None` otherwise,
//! leaving ties (which need Hash N-Degree Quads) to `rdf-canon`. Quads are written in canonical
//! N-Quads as `oxrdf` (and so `rdf-canon`) writes them, and tests compare both on every
//! fixture and vector.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use foldhash::fast::RandomState;
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, Quad, Subject, Term};
use sha2::{Digest, Sha256};

/// The canonical N-Quads of `quads` (a dataset: duplicates count once), when no two blank nodes
/// share a first-degree hash; `None` when they do.
pub(super) fn canonicalize_distinct(quads: &[Quad]) -> Option<String> {
    let mut seen: HashSet<&Quad, RandomState> = HashSet::default();
    let quads: Vec<&Quad> = quads.iter().filter(|q| seen.insert(*q)).collect();

    // A quad naming the same blank node twice is listed twice for it, as `rdf-canon` does (the
    // JavaScript `rdf-canonize` lists it once; JSON-LD credentials cannot produce such a quad
    // without writing blank node identifiers out).
    let mut mentions: HashMap<&str, Vec<&Quad>, RandomState> = HashMap::default();
    for quad in &quads {
        for blank in blank_nodes(quad) {
            mentions.entry(blank.as_str()).or_default().push(quad);
        }
    }

    let mut hashed: Vec<([u8; 32], &str)> = mentions
        .iter()
        .map(|(&blank, quads)| {
            let mut lines: Vec<String> = quads
                .iter()
                .map(|q| {
                    let mut line = nquad(q, |b| if b.as_str() == blank { "a" } else { "z" });
                    line.push_str(" .\n");
                    line
                })
                .collect();
            lines.sort_unstable();
            let mut hasher = Sha256::new();
            for line in &lines {
                hasher.update(line.as_bytes());
            }
            (hasher.finalize().into(), blank)
        })
        .collect();
    // Hex digests sort as their bytes do.
    hashed.sort_unstable();
    if hashed.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    let labels: HashMap<&str, String, RandomState> = hashed
        .iter()
        .enumerate()
        .map(|(i, (_, blank))| (*blank, format!("c14n{i}")))
        .collect();

    let mut lines: Vec<String> = quads
        .iter()
        .map(|q| nquad(q, |b| labels.get(b.as_str()).map_or("", String::as_str)))
        .collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 3).sum());
    for line in lines {
        out.push_str(&line);
        out.push_str(" .\n");
    }
    Some(out)
}

fn blank_nodes(quad: &Quad) -> impl Iterator<Item = &BlankNode> {
    let subject = match &quad.subject {
        Subject::BlankNode(b) => Some(b),
        _ => None,
    };
    let object = match &quad.object {
        Term::BlankNode(b) => Some(b),
        _ => None,
    };
    let graph = match &quad.graph_name {
        GraphName::BlankNode(b) => Some(b),
        _ => None,
    };
    subject.into_iter().chain(object).chain(graph)
}

/// One quad in canonical N-Quads (without the final `" ."`), blank nodes labelled by `label`.
fn nquad<'a>(quad: &'a Quad, label: impl Fn(&'a BlankNode) -> &'a str) -> String {
    let mut line = String::with_capacity(160);
    match &quad.subject {
        Subject::BlankNode(b) => push_blank(&mut line, label(b)),
        Subject::NamedNode(n) => push_iri(&mut line, n),
        // Quoted triples are RDF-star; JSON-LD does not produce them.
        #[allow(unreachable_patterns)]
        other => {
            let _ = write!(line, "{other}");
        }
    }
    line.push(' ');
    push_iri(&mut line, &quad.predicate);
    line.push(' ');
    match &quad.object {
        Term::BlankNode(b) => push_blank(&mut line, label(b)),
        Term::NamedNode(n) => push_iri(&mut line, n),
        Term::Literal(l) => push_literal(&mut line, l),
        #[allow(unreachable_patterns)]
        other => {
            let _ = write!(line, "{other}");
        }
    }
    match &quad.graph_name {
        GraphName::DefaultGraph => {}
        GraphName::BlankNode(b) => {
            line.push(' ');
            push_blank(&mut line, label(b));
        }
        GraphName::NamedNode(n) => {
            line.push(' ');
            push_iri(&mut line, n);
        }
    }
    line
}

fn push_blank(line: &mut String, label: &str) {
    line.push_str("_:");
    line.push_str(label);
}

fn push_iri(line: &mut String, iri: &NamedNode) {
    line.push('<');
    line.push_str(iri.as_str());
    line.push('>');
}

fn push_literal(line: &mut String, literal: &Literal) {
    push_quoted(line, literal.value());
    if let Some(language) = literal.language() {
        line.push('@');
        line.push_str(language);
    } else if literal.datatype() != oxrdf::vocab::xsd::STRING {
        line.push_str("^^<");
        line.push_str(literal.datatype().as_str());
        line.push('>');
    }
}

/// A string in canonical N-Quads: the escapes RDFC-1.0 (and `oxrdf`) use, runs of other
/// characters copied as they are.
fn push_quoted(line: &mut String, value: &str) {
    line.push('"');
    let mut run_start = 0;
    for (i, c) in value.char_indices() {
        let escape = match c {
            '\u{08}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{0C}' => "\\f",
            '\r' => "\\r",
            '"' => "\\\"",
            '\\' => "\\\\",
            '\0'..='\u{1F}' | '\u{7F}' => "",
            _ => continue,
        };
        line.push_str(&value[run_start..i]);
        if escape.is_empty() {
            let _ = write!(line, "\\u{:04X}", u32::from(c));
        } else {
            line.push_str(escape);
        }
        run_start = i + c.len_utf8();
    }
    line.push_str(&value[run_start..]);
    line.push('"');
}
