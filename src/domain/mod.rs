//! Domain types: values that cannot exist in an invalid state past the HTTP edge.

pub mod author;
pub mod changes;
pub mod column_type;
pub mod id;
pub mod name;
pub mod ownership;
pub mod product;
pub mod requirement;
pub mod table;
pub mod version;

pub use author::Author;
pub use changes::ChangeSet;
pub use id::{Id, ProductRef, TableRef};
pub use name::DataProductName;
pub use ownership::Ownership;
pub use product::{ProductFields, Status};
pub use requirement::Requirement;
pub use version::{Bump, Version};
