//! Baking: credentials inside PNG (`iTXt`) and SVG images, and getting them out again.
