//! Data products and their versions: the row a read returns ([`row`]), the reads ([`read`]) and
//! the writes ([`write`]).

mod read;
mod row;
mod write;

pub use read::{
    ListFilter, find_current, find_current_with_table, find_head, find_seq, find_version,
    list_current, lock_current,
};
pub use row::{HeadWithTableRow, ProductVersionRow};
pub use write::{
    CurrentRevision, NewVersion, TableRevisionChange, append_version, insert_product, mark_deleted,
};
