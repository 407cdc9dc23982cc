//! The strict validation of a proposal: its envelope (known fields, entity type, URN,
//! `changeType`, content type) and its aspect against the aspect's Pegasus schema.

use serde_json::Value;

use super::aspect_schemas::{F, Ty, schema};
use super::entity_registry::entity_aspects;
use super::urn_syntax::check_urn;

use Ty::*;

const PROPOSAL_FIELDS: [&str; 8] = [
    "entityType",
    "entityUrn",
    "entityKeyAspect",
    "changeType",
    "aspectName",
    "aspect",
    "systemMetadata",
    "headers",
];

const CHANGE_TYPES: [&str; 7] = [
    "UPSERT",
    "CREATE",
    "CREATE_ENTITY",
    "UPDATE",
    "DELETE",
    "PATCH",
    "RESTATE",
];

/// A valid proposal's URN, aspect name and aspect; or why it is not valid.
pub(super) fn check_proposal(body: &[u8]) -> Result<(String, String, Value), String> {
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let proposal = body
        .get("proposal")
        .and_then(Value::as_object)
        .ok_or("body has no `proposal` object")?;
    if let Some(unknown) = proposal
        .keys()
        .find(|k| !PROPOSAL_FIELDS.contains(&k.as_str()))
    {
        return Err(format!("unknown proposal field `{unknown}`"));
    }
    let text = |key: &str| -> Result<&str, String> {
        proposal
            .get(key)
            .and_then(Value::as_str)
            .ok_or(format!("proposal.{key} is missing or not a string"))
    };
    let entity_type = text("entityType")?;
    let urn = text("entityUrn")?;
    let change_type = text("changeType")?;
    let aspect_name = text("aspectName")?;

    let Some(allowed) = entity_aspects(entity_type) else {
        return Err(format!("unknown entity type `{entity_type}`"));
    };
    let urn_type = check_urn(urn)?;
    if urn_type != entity_type {
        return Err(format!(
            "entityType `{entity_type}` does not match the URN's entity type `{urn_type}`"
        ));
    }
    if !CHANGE_TYPES.contains(&change_type) {
        return Err(format!("unknown changeType `{change_type}`"));
    }
    if change_type != "UPSERT" {
        return Err(format!(
            "changeType `{change_type}` is not modelled by the fake"
        ));
    }
    if !allowed.contains(&aspect_name) {
        return Err(format!(
            "aspect `{aspect_name}` is not allowed on entity `{entity_type}`"
        ));
    }
    let aspect = proposal
        .get("aspect")
        .and_then(Value::as_object)
        .ok_or("proposal.aspect is missing or not an object")?;
    if let Some(unknown) = aspect
        .keys()
        .find(|k| !["value", "contentType"].contains(&k.as_str()))
    {
        return Err(format!("unknown field `aspect.{unknown}`"));
    }
    if aspect.get("contentType").and_then(Value::as_str) != Some("application/json") {
        return Err("aspect.contentType must be `application/json`".into());
    }
    let raw = aspect
        .get("value")
        .and_then(Value::as_str)
        .ok_or("aspect.value is missing or not a string")?;
    let value: Value =
        serde_json::from_str(raw).map_err(|e| format!("aspect.value is not JSON: {e}"))?;
    let Some((_, ty)) = schema(aspect_name) else {
        return Err(format!(
            "aspect `{aspect_name}` is not modelled by the fake"
        ));
    };
    check(&value, ty, aspect_name)?;
    Ok((urn.to_owned(), aspect_name.to_owned(), value))
}

/// Check `value` against `ty`; `at` is where it is, for the reason.
fn check(value: &Value, ty: &Ty, at: &str) -> Result<(), String> {
    let wrong = |expected: &str| Err(format!("{at}: expected {expected}, found {value}"));
    match ty {
        Str => value
            .is_string()
            .then_some(())
            .map_or(wrong("a string"), Ok),
        Long => value.as_i64().map_or(wrong("a long"), |_| Ok(())),
        Bool => value
            .is_boolean()
            .then_some(())
            .map_or(wrong("a boolean"), Ok),
        Urn(types) => {
            let Some(urn) = value.as_str() else {
                return wrong("a URN string");
            };
            let entity_type = check_urn(urn).map_err(|e| format!("{at}: {e}"))?;
            if !types.is_empty() && !types.contains(&entity_type) {
                return wrong(&format!("a URN of {}", types.join(" or ")));
            }
            Ok(())
        }
        Enum(symbols) => match value.as_str() {
            Some(symbol) if symbols.contains(&symbol) => Ok(()),
            _ => wrong(&format!("one of {}", symbols.join(", "))),
        },
        Array(item) => {
            let Some(items) = value.as_array() else {
                return wrong("an array");
            };
            items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| check(v, item, &format!("{at}[{i}]")))
        }
        Map(item) => {
            let Some(entries) = value.as_object() else {
                return wrong("a map (object)");
            };
            entries
                .iter()
                .try_for_each(|(k, v)| check(v, item, &format!("{at}[{k}]")))
        }
        Record(fields) => {
            let Some(object) = value.as_object() else {
                return wrong("a record (object)");
            };
            if let Some(unknown) = object
                .keys()
                .find(|k| !fields.iter().any(|F(name, _, _)| name == k))
            {
                return Err(format!("{at}: unknown field `{unknown}`"));
            }
            for F(name, field_ty, required) in *fields {
                match object.get(*name) {
                    None if *required => {
                        return Err(format!("{at}: required field `{name}` is missing"));
                    }
                    None => {}
                    Some(Value::Null) => {
                        return Err(format!(
                            "{at}.{name}: null is not allowed (leave optional fields out)"
                        ));
                    }
                    Some(v) => check(v, field_ty, &format!("{at}.{name}"))?,
                }
            }
            Ok(())
        }
        Union(members) => {
            let Some(object) = value.as_object().filter(|o| o.len() == 1) else {
                return wrong("a union (an object with one member)");
            };
            let (member, inner) = object.iter().next().unwrap();
            match members.iter().find(|(name, _)| name == member) {
                Some((_, member_ty)) => check(inner, member_ty, &format!("{at}.{member}")),
                None => Err(format!("{at}: `{member}` is not a member of the union")),
            }
        }
    }
}
