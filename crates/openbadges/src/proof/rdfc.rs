//! RDFC-1.0 for the usual case: every blank node told apart by its first-degree hash.
//!
//! Why by hand: `rdf-canon` (which does every other case) spends most of a credential's
//! canonicalization building an indexed dataset and strings it then discards, several times
//! what the algorithm needs. When the first-degree hashes (RDFC-1.0 §4.6) of all blank nodes
//! differ, the algorithm ends there: labels are issued in hash order and the N-Quads sorted.
//! [`canonicalize_distinct`] does exactly that and answers `None` otherwise, leaving ties (which
//! need Hash N-Degree Quads) to `rdf-canon`. Quads are written with `oxrdf`'s N-Quads
//! formatting, as `rdf-canon` writes them, and tests compare both on every fixture.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use oxrdf::{BlankNode, GraphName, Quad, Subject, Term};
use sha2::{Digest, Sha256};

/// The canonical N-Quads of `quads` (a dataset: duplicates count once), when no two blank nodes
/// share a first-degree hash; `None` when they do.
pub(super) fn canonicalize_distinct(quads: &[Quad]) -> Option<String> {
    let mut seen = HashSet::with_capacity(quads.len());
    let quads: Vec<&Quad> = quads.iter().filter(|q| seen.insert(*q)).collect();

    let mut mentions: HashMap<&str, Vec<&Quad>> = HashMap::new();
    for quad in &quads {
        // A quad naming the same blank node twice is listed twice for it, as `rdf-canon`
        // does (the JavaScript `rdf-canonize` lists it once; JSON-LD credentials cannot
        // produce such a quad without writing blank node identifiers out).
        for blank in blank_nodes(quad) {
            mentions.entry(blank.as_str()).or_default().push(quad);
        }
    }

    let mut hashed: Vec<(String, &str)> = mentions
        .iter()
        .map(|(&blank, quads)| {
            let mut lines: Vec<String> = quads
                .iter()
                .map(|q| {
                    let mut line = nquad(q, |b| {
                        if b.as_str() == blank { "a" } else { "z" }.to_owned()
                    });
                    line.push_str(" .\n");
                    line
                })
                .collect();
            lines.sort_unstable();
            let mut hasher = Sha256::new();
            for line in &lines {
                hasher.update(line.as_bytes());
            }
            (hex(&hasher.finalize()), blank)
        })
        .collect();
    hashed.sort_unstable();
    if hashed.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    let labels: HashMap<&str, String> = hashed
        .iter()
        .enumerate()
        .map(|(i, (_, blank))| (*blank, format!("c14n{i}")))
        .collect();

    let mut lines: Vec<String> = quads
        .iter()
        .map(|q| nquad(q, |b| labels.get(b.as_str()).cloned().unwrap_or_default()))
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

/// One quad in N-Quads (without the final `" ."`), blank nodes written as `label` names them.
fn nquad(quad: &Quad, label: impl Fn(&BlankNode) -> String) -> String {
    let mut line = String::with_capacity(160);
    // Writing to a String cannot fail.
    let _ = match &quad.subject {
        Subject::BlankNode(b) => write!(line, "_:{}", label(b)),
        other => write!(line, "{other}"),
    };
    let _ = write!(line, " {}", quad.predicate);
    let _ = match &quad.object {
        Term::BlankNode(b) => write!(line, " _:{}", label(b)),
        other => write!(line, " {other}"),
    };
    let _ = match &quad.graph_name {
        GraphName::DefaultGraph => Ok(()),
        GraphName::BlankNode(b) => write!(line, " _:{}", label(b)),
        other => write!(line, " {other}"),
    };
    line
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
