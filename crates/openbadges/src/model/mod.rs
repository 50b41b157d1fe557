//! Open Badges 2.0 and 3.0 types (serde) and the bundled JSON-LD contexts.
