//! The syntax of a DataHub URN: `urn:li:<type>:<id>`, a dataset's
//! `(urn:li:dataPlatform:<p>,<name>,<ENV>)`, reserved characters only in tuples.

pub(super) const FABRIC_TYPES: [&str; 17] = [
    "DEV", "TEST", "QA", "UAT", "EI", "PRE", "STG", "NON_PROD", "PROD", "CORP", "RVW", "PRD",
    "TST", "SIT", "SBX", "SANDBOX", "CERT",
];

/// The entity type of a syntactically valid URN.
pub(super) fn check_urn(urn: &str) -> Result<&str, String> {
    let rest = urn
        .strip_prefix("urn:li:")
        .ok_or(format!("URN `{urn}` does not start with `urn:li:`"))?;
    let (entity_type, id) = rest
        .split_once(':')
        .ok_or(format!("URN `{urn}` has no entity id"))?;
    if entity_type.is_empty() || !entity_type.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("URN `{urn}` has an invalid entity type"));
    }
    if id.is_empty() {
        return Err(format!("URN `{urn}` has an empty id"));
    }
    if entity_type == "dataset" {
        let parts = tuple_parts(id).ok_or(format!(
            "dataset URN `{urn}` is not a `(platform,name,env)` tuple"
        ))?;
        let [platform, name, env] = parts[..] else {
            return Err(format!("dataset URN `{urn}` does not have 3 parts"));
        };
        let platform_ok = platform
            .strip_prefix("urn:li:dataPlatform:")
            .is_some_and(|p| !p.is_empty());
        if !platform_ok {
            return Err(format!(
                "dataset URN `{urn}`: `{platform}` is not a dataPlatform URN"
            ));
        }
        if name.is_empty() || name.contains(['(', ')']) {
            return Err(format!("dataset URN `{urn}` has an invalid name"));
        }
        if !FABRIC_TYPES.contains(&env) {
            return Err(format!(
                "dataset URN `{urn}`: `{env}` is not an environment"
            ));
        }
    } else if id.starts_with('(') {
        tuple_parts(id).ok_or(format!("URN `{urn}` has an unbalanced tuple"))?;
    } else if id.contains(['(', ')', ',']) {
        return Err(format!("URN `{urn}` has unencoded reserved characters"));
    }
    Ok(entity_type)
}

/// The top-level parts of a tuple id `(a,b,…)`; parts may be URNs with tuples of their own.
fn tuple_parts(id: &str) -> Option<Vec<&str>> {
    let inner = id.strip_prefix('(')?.strip_suffix(')')?;
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    (depth == 0).then_some(())?;
    parts.push(&inner[start..]);
    Some(parts)
}
