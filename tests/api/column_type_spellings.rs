//! Property test for the column-type grammar: random types, spelled at random (aliases, case,
//! whitespace), parse back to the same canonical type.

use daap::domain::column_type::{ColumnType, StructField};

/// xorshift64: deterministic, so a failure reproduces exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, low: u32, high: u32) -> u32 {
        low + self.below(u64::from(high - low) + 1) as u32
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

fn random_primitive(rng: &mut Rng) -> ColumnType {
    match rng.below(14) {
        0 => ColumnType::Boolean,
        1 => ColumnType::TinyInt,
        2 => ColumnType::SmallInt,
        3 => ColumnType::Int,
        4 => ColumnType::BigInt,
        5 => ColumnType::Float,
        6 => ColumnType::Double,
        7 => {
            let precision = rng.range(1, 38);
            let scale = if rng.coin() {
                0
            } else {
                rng.range(0, precision)
            };
            ColumnType::Decimal {
                precision: precision as u8,
                scale: scale as u8,
            }
        }
        8 => ColumnType::Char(rng.range(1, 255) as u16),
        9 => ColumnType::Varchar(rng.coin().then(|| rng.range(1, 65535))),
        10 => ColumnType::String,
        11 => ColumnType::Binary,
        12 => ColumnType::Date,
        _ => ColumnType::Timestamp,
    }
}

fn random_type(rng: &mut Rng, depth: usize) -> ColumnType {
    if depth >= 4 || rng.below(5) < 2 {
        return random_primitive(rng);
    }
    match rng.below(3) {
        0 => ColumnType::Array(Box::new(random_type(rng, depth + 1))),
        1 => ColumnType::Map(
            Box::new(random_primitive(rng)),
            Box::new(random_type(rng, depth + 1)),
        ),
        _ => {
            let mut fields: Vec<StructField> = Vec::new();
            for _ in 0..rng.range(1, 4) {
                let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789_";
                let name: String = (0..rng.range(1, 8))
                    .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize] as char)
                    .collect();
                if fields.iter().all(|f| f.name != name) {
                    let data_type = random_type(rng, depth + 1);
                    fields.push(StructField { name, data_type });
                }
            }
            ColumnType::Struct(fields)
        }
    }
}

/// The tokens of `ty`, spelled with a random choice among equivalent aliases.
fn tokens(ty: &ColumnType, rng: &mut Rng, out: &mut Vec<String>) {
    let mut push = |parts: &[&str]| out.extend(parts.iter().map(|p| p.to_string()));
    match ty {
        ColumnType::Int => push(&[if rng.coin() { "int" } else { "integer" }]),
        ColumnType::Float => push(&[if rng.coin() { "float" } else { "real" }]),
        ColumnType::Decimal { precision, scale } => {
            let (p, s) = (precision.to_string(), scale.to_string());
            if *scale == 0 && rng.coin() {
                push(&["decimal", "(", &p, ")"]);
            } else {
                push(&["decimal", "(", &p, ",", &s, ")"]);
            }
        }
        ColumnType::Char(n) => push(&["char", "(", &n.to_string(), ")"]),
        ColumnType::Varchar(Some(n)) => push(&["varchar", "(", &n.to_string(), ")"]),
        ColumnType::Array(element) => {
            push(&["array", "<"]);
            tokens(element, rng, out);
            out.push(">".into());
        }
        ColumnType::Map(key, value) => {
            push(&["map", "<"]);
            tokens(key, rng, out);
            out.push(",".into());
            tokens(value, rng, out);
            out.push(">".into());
        }
        ColumnType::Struct(fields) => {
            push(&["struct", "<"]);
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(",".into());
                }
                out.extend([field.name.clone(), ":".into()]);
                tokens(&field.data_type, rng, out);
            }
            out.push(">".into());
        }
        primitive => push(&[&primitive.canonical()]),
    }
}

/// `ty` in random case with random whitespace between tokens.
fn render(ty: &ColumnType, rng: &mut Rng) -> String {
    const SPACES: [&str; 6] = ["", "", " ", "  ", "\t", "\n \r\n"];
    let mut parts = Vec::new();
    tokens(ty, rng, &mut parts);
    let mut text = String::new();
    for part in parts {
        text.push_str(SPACES[rng.below(SPACES.len() as u64) as usize]);
        for c in part.chars() {
            text.push(if rng.coin() {
                c.to_ascii_uppercase()
            } else {
                c
            });
        }
    }
    text.push_str(SPACES[rng.below(SPACES.len() as u64) as usize]);
    text
}

fn depth(ty: &ColumnType) -> usize {
    match ty {
        ColumnType::Array(element) => 1 + depth(element),
        ColumnType::Map(_, value) => 1 + depth(value),
        ColumnType::Struct(fields) => {
            1 + fields
                .iter()
                .map(|f| depth(&f.data_type))
                .max()
                .unwrap_or(0)
        }
        _ => 0,
    }
}

#[test]
fn random_spellings_of_random_types_parse_back_to_the_same_canonical_type() {
    let mut deepest = 0;
    for seed in [0x9E37_79B9_7F4A_7C15_u64, 0xD1B5_4A32_D192_ED03, 42] {
        let mut rng = Rng(seed);
        for _ in 0..1500 {
            let ty = random_type(&mut rng, 0);
            deepest = deepest.max(depth(&ty));
            let canonical = ty.canonical();
            let spelled = render(&ty, &mut rng);
            let parsed = ColumnType::parse(&spelled).unwrap_or_else(|e| panic!("{spelled:?}: {e}"));
            assert_eq!(parsed.canonical(), canonical, "{spelled:?}");
            assert_eq!(parsed, ty, "{spelled:?}");
            assert_eq!(ColumnType::parse(&canonical), Ok(ty), "{canonical}");
        }
    }
    assert_eq!(deepest, 4, "the generator should reach depth 4");
}
