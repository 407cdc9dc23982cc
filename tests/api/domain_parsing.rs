//! Table tests for the parsers at the edge: ids, versions, names and emails.

use daap::domain::product::is_plausible_email;
use daap::domain::{Bump, DataProductName, ProductRef, Version};

#[test]
fn versions_parse_only_in_canonical_form() {
    let valid = [
        ("v1.0", 1, 0),
        ("v1.12", 1, 12),
        ("v10.0", 10, 0),
        ("v2147483647.0", i32::MAX, 0),
    ];
    for (raw, major, minor) in valid {
        assert_eq!(
            raw.parse::<Version>(),
            Ok(Version { major, minor }),
            "{raw}"
        );
        assert_eq!(Version { major, minor }.to_string(), raw);
    }
    for raw in [
        "1.0",
        "v1",
        "v1.",
        "v.1",
        "v01.0",
        "v1.00",
        "v0.5",
        "v1.0.0",
        "v-1.0",
        "V1.0",
        "v1.x",
        "v2147483648.0",
        "",
    ] {
        assert!(raw.parse::<Version>().is_err(), "{raw} should be rejected");
    }
}

#[test]
fn bumps_follow_the_rules() {
    let v = Version { major: 1, minor: 3 };
    assert_eq!(v.bumped(Bump::Minor).to_string(), "v1.4");
    assert_eq!(v.bumped(Bump::Major).to_string(), "v2.0");
    assert_eq!(v.bumped(Bump::Initial).to_string(), "v1.0");
}

#[test]
fn names_follow_the_pattern() {
    for valid in ["a", "prisons", "hmpps_use_of_force", "a1_", &"a".repeat(63)] {
        assert!(DataProductName::parse(valid).is_ok(), "{valid}");
    }
    for invalid in [
        "",
        "1abc",
        "_abc",
        "Abc",
        "a-b",
        "a b",
        "a.b",
        "é",
        &"a".repeat(64),
    ] {
        assert!(DataProductName::parse(invalid).is_err(), "{invalid}");
    }
}

#[test]
fn ids_name_a_product_and_optionally_a_version() {
    let latest = ProductRef::parse("dp:prisons").unwrap();
    assert_eq!(latest.name.as_str(), "prisons");
    assert_eq!(latest.version, None);
    let exact = ProductRef::parse("dp:prisons:v2.1").unwrap();
    assert_eq!(exact.version, Some(Version { major: 2, minor: 1 }));
    for invalid in [
        "prisons",
        "dp:",
        "dp:prisons:",
        "dp:prisons:v2",
        "dp:a:v1.0:b",
        "DP:prisons",
        " dp:prisons",
    ] {
        assert!(ProductRef::parse(invalid).is_err(), "{invalid}");
    }
}

#[test]
fn emails_must_be_plausible() {
    for valid in ["a@b.co", "jane.doe@justice.gov.uk", "x+y@d.example.org"] {
        assert!(is_plausible_email(valid), "{valid}");
    }
    for invalid in [
        "",
        "a",
        "a@b",
        "@b.com",
        "a@.com",
        "a@b.com.",
        "a b@c.com",
        "a@b@c.com",
    ] {
        assert!(!is_plausible_email(invalid), "{invalid}");
    }
}
