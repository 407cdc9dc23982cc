//! Why a document could not be imported: every problem at once, each at a JSON pointer into
//! the document (as daap's own validation errors point into a request body).

use std::fmt;

use serde::Serialize;

/// One problem in an imported document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON pointer into the document, e.g. `/schema/0/properties/2`.
    pub pointer: String,
    pub detail: String,
}

/// A document that does not describe a daap product: every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ImportError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.pointer, p.detail))
            .collect();
        write!(f, "the document cannot be imported: {}", lines.join("; "))
    }
}

/// Problems collected while reading a document.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn add(&mut self, pointer: &str, detail: impl Into<String>) {
        self.0.push(Problem {
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            },
            detail: detail.into(),
        });
    }

    /// `value` when nothing was wrong, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, ImportError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ImportError { problems: self.0 })
        }
    }
}
