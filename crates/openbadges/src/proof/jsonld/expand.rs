//! Expansion (§13) and "deserialize to RDF" in one walk: each node object's triples are written
//! as the node is expanded, so no expanded document or node map is built.

use std::collections::HashMap;
use std::sync::Arc;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, Quad, Subject, Term};
use serde_json::{Map, Value};

use super::context::{apply_scoped, is_absolute_iri, ActiveContext, Container, TermDefinition};
use super::Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

/// The quads of a document's top-level node object, in the given (top-level) active context,
/// leaving out the members named in `without`.
pub(super) fn document(
    active: &Arc<ActiveContext>,
    node: &Map<String, Value>,
    without: &[&str],
) -> Result<Vec<Quad>> {
    let mut writer = Writer::default();
    let mut skip = vec!["@context"];
    skip.extend_from_slice(without);
    writer.node(active, None, node, &GraphName::DefaultGraph, &skip)?;
    Ok(writer.quads)
}

#[derive(Default)]
struct Writer {
    quads: Vec<Quad>,
    /// The document's own `_:` labels and the blank nodes they became.
    labels: HashMap<String, BlankNode, foldhash::fast::RandomState>,
    next_blank: u128,
}

/// What a key of a node object expands to.
enum Key<'a> {
    Id,
    Type,
    Property(Option<&'a TermDefinition>),
}

fn key_kind<'a>(active: &'a ActiveContext, key: &str) -> Result<Key<'a>> {
    let definition = active.term(key);
    let keyword = if key.starts_with('@') {
        Some(key)
    } else {
        definition
            .and_then(|d| d.iri.as_deref())
            .filter(|iri| iri.starts_with('@'))
    };
    match keyword {
        None => Ok(Key::Property(definition)),
        Some("@id") => Ok(Key::Id),
        Some("@type") => Ok(Key::Type),
        // @value, @list, @graph, @reverse, @included, @nest, @context...: the full processor's.
        Some(_) => Err(Unsupported),
    }
}

/// The strings of a value that may be one string or an array of them.
fn strings(value: &Value) -> Result<Vec<&str>> {
    match value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or(Unsupported))
            .collect(),
        _ => Err(Unsupported),
    }
}

fn items(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    }
}

impl Writer {
    fn fresh_blank(&mut self) -> BlankNode {
        self.next_blank += 1;
        BlankNode::new_from_unique_id(self.next_blank)
    }

    fn labelled_blank(&mut self, label: &str) -> Result<BlankNode> {
        let name = label.strip_prefix("_:").ok_or(Unsupported)?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Unsupported);
        }
        if let Some(b) = self.labels.get(label) {
            return Ok(b.clone());
        }
        let b = self.fresh_blank();
        self.labels.insert(label.to_owned(), b.clone());
        Ok(b)
    }

    /// An IRI or blank node from a document value (`vocab`: relative to the vocabulary).
    fn reference(&mut self, active: &ActiveContext, value: &str, vocab: bool) -> Result<Subject> {
        // Terms' IRIs were checked when they were defined; anything else is checked here.
        if vocab {
            if let Some(iri) = active.term(value).and_then(|d| d.iri.as_deref()) {
                if !iri.starts_with('@') {
                    return Ok(NamedNode::new_unchecked(iri).into());
                }
            }
        }
        let iri = active.expand_iri(value, vocab)?.ok_or(Unsupported)?;
        if iri.starts_with("_:") {
            Ok(self.labelled_blank(&iri)?.into())
        } else if is_absolute_iri(&iri) && !iri.starts_with('@') {
            Ok(NamedNode::new_unchecked(iri).into())
        } else {
            Err(Unsupported)
        }
    }

    /// Expands one node object, writes its triples into `graph`, and returns its subject.
    ///
    /// `property` is the definition (in the parent's context) of the property whose value this
    /// node is, for its property-scoped context.
    fn node(
        &mut self,
        parent: &Arc<ActiveContext>,
        property: Option<&TermDefinition>,
        node: &Map<String, Value>,
        graph: &GraphName,
        skip: &[&str],
    ) -> Result<Subject> {
        let keys = || node.keys().filter(move |k| !skip.contains(&k.as_str()));
        // A type-scoped context does not reach into nested nodes (§13 step 7), except into a
        // node that is only a reference.
        let mut active = parent.clone();
        if let Some(previous) = &parent.previous {
            let only_id =
                keys().count() == 1 && keys().all(|k| matches!(key_kind(parent, k), Ok(Key::Id)));
            if !only_id {
                active = previous.clone();
            }
        }
        if let Some(scoped) = property.and_then(|d| d.scoped.as_ref()) {
            active = apply_scoped(&active, scoped, true)?;
        }

        // Type-scoped contexts, in lexicographical order of key and of type (§13 step 11).
        let type_scoped = active.clone();
        let mut type_keys: Vec<&String> = Vec::new();
        let mut id = None;
        for key in keys() {
            match key_kind(&type_scoped, key)? {
                Key::Type => type_keys.push(key),
                Key::Id if id.is_none() => id = Some(&node[key.as_str()]),
                Key::Id => return Err(Unsupported), // colliding @id keys
                Key::Property(_) => {}
            }
        }
        type_keys.sort();
        let mut types: Vec<&str> = Vec::new();
        for key in &type_keys {
            types.extend(strings(&node[key.as_str()])?);
        }
        let mut sorted_types = types.clone();
        sorted_types.sort_unstable();
        for t in sorted_types {
            if let Some(scoped) = type_scoped.term(t).and_then(|d| d.scoped.as_ref()) {
                active = apply_scoped(&active, scoped, false)?;
            }
        }

        let subject = match id {
            None => self.fresh_blank().into(),
            Some(Value::String(id)) => self.reference(&active, id, false)?,
            Some(_) => return Err(Unsupported),
        };
        for t in types {
            let Subject::NamedNode(class) = self.reference(&type_scoped, t, true)? else {
                return Err(Unsupported);
            };
            self.quad(subject.clone(), rdf::TYPE.into_owned(), class.into(), graph);
        }
        for key in keys() {
            let Key::Property(definition) = key_kind(&active, key)? else {
                continue;
            };
            let predicate = match definition {
                Some(d) => NamedNode::new_unchecked(d.iri.as_deref().ok_or(Unsupported)?),
                None => match self.reference(&active, key, true)? {
                    Subject::NamedNode(n) => n,
                    _ => return Err(Unsupported),
                },
            };
            let objects = self.property(&active, key, definition, &node[key.as_str()], graph)?;
            for object in objects {
                self.quad(subject.clone(), predicate.clone(), object, graph);
            }
        }
        Ok(subject)
    }

    /// The objects of one property, by its container mapping.
    fn property(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        definition: Option<&TermDefinition>,
        value: &Value,
        graph: &GraphName,
    ) -> Result<Vec<Term>> {
        let mut objects = Vec::new();
        match definition.map(|d| d.container).unwrap_or_default() {
            Container::None => self.values(active, key, definition, value, graph, &mut objects)?,
            Container::List => {
                let mut members = Vec::new();
                for item in items(value) {
                    if item.is_array() {
                        return Err(Unsupported); // lists of lists
                    }
                    self.values(active, key, definition, item, graph, &mut members)?;
                }
                objects.push(self.list(members, graph));
            }
            Container::Graph => {
                for item in items(value) {
                    let Value::Object(node) = item else {
                        return Err(Unsupported);
                    };
                    // Each value is a graph of its own, named by a new blank node.
                    let name = self.fresh_blank();
                    let inner = GraphName::BlankNode(name.clone());
                    self.node(active, definition, node, &inner, &[])?;
                    objects.push(name.into());
                }
            }
        }
        Ok(objects)
    }

    /// Expands a value (flattening arrays) and adds the objects it gives to `objects`.
    fn values(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        definition: Option<&TermDefinition>,
        value: &Value,
        graph: &GraphName,
        objects: &mut Vec<Term>,
    ) -> Result<()> {
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for item in items {
                    self.values(active, key, definition, item, graph, objects)?;
                }
            }
            Value::Object(node) => {
                let subject = self.node(active, definition, node, graph, &[])?;
                objects.push(subject.into());
            }
            scalar => objects.push(self.scalar(active, key, definition, scalar)?),
        }
        Ok(())
    }

    /// Value Expansion (§5.3) of a string, number or boolean, then its RDF term.
    fn scalar(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        definition: Option<&TermDefinition>,
        value: &Value,
    ) -> Result<Term> {
        let scoped_active;
        let (active, definition) = match definition.and_then(|d| d.scoped.as_ref()) {
            Some(scoped) => {
                scoped_active = apply_scoped(active, scoped, true)?;
                (&scoped_active, scoped_active.term(key))
            }
            None => (active, definition),
        };
        let type_mapping = definition.and_then(|d| d.type_mapping.as_deref());
        match (type_mapping, value) {
            (Some("@id"), Value::String(s)) => Ok(self.reference(active, s, false)?.into()),
            (Some("@vocab"), Value::String(s)) => Ok(self.reference(active, s, true)?.into()),
            (Some("@json"), _) => Err(Unsupported),
            // A coerced value keeps its lexical form (integers and booleans in their canonical
            // one) with the term's datatype, except doubles, which have a form of their own.
            (Some(datatype), _) if !datatype.starts_with('@') => {
                let lexical = match value {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) if integer(n) && datatype != xsd::DOUBLE.as_str() => {
                        n.to_string()
                    }
                    _ => return Err(Unsupported),
                };
                Ok(Literal::new_typed_literal(lexical, NamedNode::new_unchecked(datatype)).into())
            }
            (_, Value::String(s)) => Ok(Literal::new_simple_literal(s.as_str()).into()),
            (_, Value::Bool(b)) => {
                Ok(Literal::new_typed_literal(b.to_string(), xsd::BOOLEAN).into())
            }
            (_, Value::Number(n)) if integer(n) => {
                Ok(Literal::new_typed_literal(n.to_string(), xsd::INTEGER).into())
            }
            // Doubles have a canonical form of their own: left to the full processor.
            _ => Err(Unsupported),
        }
    }

    /// An RDF collection of `members`; its head (or `rdf:nil`).
    fn list(&mut self, members: Vec<Term>, graph: &GraphName) -> Term {
        let nodes: Vec<BlankNode> = members.iter().map(|_| self.fresh_blank()).collect();
        for (i, member) in members.into_iter().enumerate() {
            let node = nodes[i].clone();
            self.quad(node.clone().into(), rdf::FIRST.into_owned(), member, graph);
            let rest: Term = match nodes.get(i + 1) {
                Some(next) => next.clone().into(),
                None => rdf::NIL.into_owned().into(),
            };
            self.quad(node.into(), rdf::REST.into_owned(), rest, graph);
        }
        match nodes.into_iter().next() {
            Some(head) => head.into(),
            None => rdf::NIL.into_owned().into(),
        }
    }

    fn quad(&mut self, subject: Subject, predicate: NamedNode, object: Term, graph: &GraphName) {
        self.quads
            .push(Quad::new(subject, predicate, object, graph.clone()));
    }
}

/// A JSON number written as an integer (its canonical `xsd:integer` form is its digits).
fn integer(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64()
}
