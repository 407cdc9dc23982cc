//! Column types of table schemas: the Athena/Glue DDL types, parsed by a small grammar.
//!
//! A grammar rather than a regex, because types nest (`array<map<string,struct<a:int>>>`): only
//! a parser can check balanced brackets, map-key rules, per-struct unique field names and
//! numeric ranges together, and say exactly *where* the input went wrong.
//!
//! ```text
//! type      := primitive
//!            | "array" "<" type ">"
//!            | "map" "<" primitive "," type ">"
//!            | "struct" "<" name ":" type ("," name ":" type)* ">"
//! primitive := "boolean" | "tinyint" | "smallint" | "int" | "integer" | "bigint"
//!            | "float" | "real" | "double" | "decimal" "(" p ["," s] ")" | "char" "(" n ")"
//!            | "varchar" ["(" n ")"] | "string" | "binary" | "date" | "timestamp"
//! name      := [a-z0-9_]{1,128}
//! ```
//!
//! Keywords and names are case-insensitive and whitespace may appear between any two tokens.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// Deepest nesting of `array`, `map` and `struct` accepted. The parser recurses once per level,
/// so the cap bounds its stack use on hostile input such as `array<array<array<...`; real
/// schemas never come close.
pub const MAX_NESTING: usize = 32;
/// Largest `decimal` precision Athena supports.
pub const MAX_DECIMAL_PRECISION: u8 = 38;
/// Longest `char(n)` Athena supports.
pub const MAX_CHAR_LENGTH: u16 = 255;
/// Longest `varchar(n)` Athena supports.
pub const MAX_VARCHAR_LENGTH: u32 = 65535;
/// Longest struct field name Glue accepts.
pub const MAX_FIELD_NAME_LEN: usize = 128;

const ALLOWED_TYPES: &str = "boolean, tinyint, smallint, int, integer, bigint, float, real, \
    double, decimal(p,s), char(n), varchar, varchar(n), string, binary, date, timestamp, \
    array<T>, map<K,V>, struct<name:T,...>";

/// A parsed column type.
///
/// Aliases are folded at parse time (`integer` is `Int`, `real` is `Float`, `decimal(p)` is
/// `decimal(p,0)`), so two spellings of one type are equal values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    Boolean,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    Decimal { precision: u8, scale: u8 },
    Char(u16),
    Varchar(Option<u32>),
    String,
    Binary,
    Date,
    Timestamp,
    Array(Box<ColumnType>),
    Map(Box<ColumnType>, Box<ColumnType>),
    Struct(Vec<StructField>),
}

/// One field of a `struct`; `name` is always lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StructField {
    pub name: String,
    pub data_type: ColumnType,
}

/// Why a column type was rejected, and the byte offset in the input where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    message: String,
    position: usize,
}

impl TypeError {
    /// Byte offset (from 0) in the input where parsing failed.
    pub fn position(&self) -> usize {
        self.position
    }

    /// `"{problem} at position {position}{detail}"`: the position always follows the problem.
    fn at(position: usize, problem: impl fmt::Display, detail: impl fmt::Display) -> Self {
        Self {
            message: format!("{problem} at position {position}{detail}"),
            position,
        }
    }

    fn expected(what: impl fmt::Display, found: Token<'_>) -> Self {
        let found_text = found.describe();
        Self::at(
            found.start,
            format_args!("expected {what}"),
            format_args!(", found {found_text}"),
        )
    }

    fn hint(mut self, hint: &str) -> Self {
        self.message = format!("{}; {hint}", self.message);
        self
    }
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TypeError {}

impl ColumnType {
    /// Parse a type as written in Athena/Glue DDL, case-insensitively, ignoring whitespace
    /// between tokens.
    pub fn parse(input: &str) -> Result<Self, TypeError> {
        let mut parser = Parser {
            tokens: tokenize(input),
            next: 0,
        };
        let ty = parser.parse_type(0)?;
        let rest = parser.peek();
        if rest.kind != Kind::End {
            return Err(TypeError::expected("end of input", rest));
        }
        Ok(ty)
    }

    /// Canonical spelling (also the `Display` impl): lower case, no spaces, aliases folded.
    /// Stored types use it so that equal types compare equal as strings and schema diffs are
    /// exact rather than tripping over `INTEGER` versus `int`. Parsing it gives back `self`.
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// Whether this is a scalar type, i.e. not `array`, `map` or `struct`.
    pub fn is_primitive(&self) -> bool {
        !matches!(self, Self::Array(_) | Self::Map(..) | Self::Struct(_))
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Boolean => f.write_str("boolean"),
            Self::TinyInt => f.write_str("tinyint"),
            Self::SmallInt => f.write_str("smallint"),
            Self::Int => f.write_str("int"),
            Self::BigInt => f.write_str("bigint"),
            Self::Float => f.write_str("float"),
            Self::Double => f.write_str("double"),
            Self::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            Self::Char(length) => write!(f, "char({length})"),
            Self::Varchar(None) => f.write_str("varchar"),
            Self::Varchar(Some(length)) => write!(f, "varchar({length})"),
            Self::String => f.write_str("string"),
            Self::Binary => f.write_str("binary"),
            Self::Date => f.write_str("date"),
            Self::Timestamp => f.write_str("timestamp"),
            Self::Array(element) => write!(f, "array<{element}>"),
            Self::Map(key, value) => write!(f, "map<{key},{value}>"),
            Self::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{}", field.name, field.data_type)?;
                }
                f.write_str(">")
            }
        }
    }
}

impl FromStr for ColumnType {
    type Err = TypeError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A run of ASCII letters, digits and `_`: a keyword, a field name or a number.
    Word,
    /// One of `<>(),:`.
    Punct,
    /// Any other character; reported when the parser reaches it, so errors stay in order.
    Invalid,
    End,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
}

impl Token<'_> {
    fn is(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }

    fn describe(&self) -> String {
        match self.kind {
            Kind::End => "end of input".to_owned(),
            Kind::Invalid => format!(
                "`{}` (only ASCII letters, digits, `_`, spaces and `<>(),:` may appear)",
                self.text
            ),
            Kind::Word | Kind::Punct => quote(self.text),
        }
    }
}

/// Quote a word for an error message, shortened so hostile input is not echoed in full.
fn quote(text: &str) -> String {
    const MAX: usize = 40;
    match text.get(..MAX) {
        Some(head) if text.len() > MAX => format!("`{head}...`"),
        _ => format!("`{text}`"),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn tokenize(input: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = match c {
            c if c.is_ascii_whitespace() => continue,
            '<' | '>' | '(' | ')' | ',' | ':' => Kind::Punct,
            c if is_word_char(c) => {
                while chars.next_if(|&(_, c)| is_word_char(c)).is_some() {}
                Kind::Word
            }
            _ => Kind::Invalid,
        };
        let end = chars.peek().map_or(input.len(), |&(i, _)| i);
        tokens.push(Token {
            kind,
            text: &input[start..end],
            start,
        });
    }
    tokens.push(Token {
        kind: Kind::End,
        text: "",
        start: input.len(),
    });
    tokens
}

/// Recursive descent over the token list; `depth` is the number of enclosing containers.
struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    next: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Token<'a> {
        self.tokens[self.next]
    }

    fn bump(&mut self) -> Token<'a> {
        let token = self.peek();
        if token.kind != Kind::End {
            self.next += 1;
        }
        token
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = self.peek().is(punct);
        if found {
            self.next += 1;
        }
        found
    }

    fn expect(&mut self, punct: &str, what: impl fmt::Display) -> Result<(), TypeError> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(TypeError::expected(what, self.peek()))
        }
    }

    /// A whole number from `min` to `max`, e.g. a precision or a length.
    fn number(&mut self, what: &str, min: u32, max: u32) -> Result<u32, TypeError> {
        let token = self.bump();
        if token.kind != Kind::Word || !token.text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TypeError::expected(
                format_args!("{what} (a number from {min} to {max})"),
                token,
            ));
        }
        match token.text.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(TypeError::at(
                token.start,
                format_args!("{what} out of range"),
                format_args!(": must be from {min} to {max}, found {}", quote(token.text)),
            )),
        }
    }

    fn parse_type(&mut self, depth: usize) -> Result<ColumnType, TypeError> {
        let token = self.bump();
        if token.kind != Kind::Word {
            return Err(TypeError::expected("a column type", token));
        }
        let keyword = token.text.to_ascii_lowercase();
        let simple = match keyword.as_str() {
            "boolean" => Some(ColumnType::Boolean),
            "tinyint" => Some(ColumnType::TinyInt),
            "smallint" => Some(ColumnType::SmallInt),
            "int" | "integer" => Some(ColumnType::Int),
            "bigint" => Some(ColumnType::BigInt),
            "float" | "real" => Some(ColumnType::Float),
            "double" => Some(ColumnType::Double),
            "string" => Some(ColumnType::String),
            "binary" => Some(ColumnType::Binary),
            "date" => Some(ColumnType::Date),
            "timestamp" => Some(ColumnType::Timestamp),
            _ => None,
        };
        if let Some(ty) = simple {
            let next = self.peek();
            if next.is("(") || next.is("<") {
                return Err(TypeError::at(
                    next.start,
                    format_args!("unexpected `{}`", next.text),
                    format_args!(": `{keyword}` takes no parameters"),
                ));
            }
            return Ok(ty);
        }
        match keyword.as_str() {
            "decimal" => {
                self.expect("(", "`(` after `decimal`").map_err(|e| {
                    e.hint("decimal needs a precision and optional scale, e.g. `decimal(10,2)`")
                })?;
                let max = u32::from(MAX_DECIMAL_PRECISION);
                let precision = self.number("decimal precision", 1, max)?;
                let scale = if self.eat(",") {
                    self.number("decimal scale", 0, precision)?
                } else {
                    0
                };
                self.expect(")", "`)` after the decimal precision and scale")?;
                // Both fit in u8: precision <= 38 and scale <= precision.
                Ok(ColumnType::Decimal {
                    precision: precision as u8,
                    scale: scale as u8,
                })
            }
            "char" => {
                self.expect("(", "`(` after `char`")
                    .map_err(|e| e.hint("char needs a length, e.g. `char(10)`"))?;
                let length = self.number("char length", 1, u32::from(MAX_CHAR_LENGTH))?;
                self.expect(")", "`)` after the char length")?;
                Ok(ColumnType::Char(length as u16))
            }
            "varchar" => {
                if !self.eat("(") {
                    return Ok(ColumnType::Varchar(None));
                }
                let length = self.number("varchar length", 1, MAX_VARCHAR_LENGTH)?;
                self.expect(")", "`)` after the varchar length")?;
                Ok(ColumnType::Varchar(Some(length)))
            }
            "array" | "map" | "struct" => {
                if depth >= MAX_NESTING {
                    return Err(TypeError::at(
                        token.start,
                        "types nest too deeply",
                        format_args!(
                            ": at most {MAX_NESTING} levels of array, map and struct are \
                             allowed, and this `{keyword}` opens one more"
                        ),
                    ));
                }
                self.expect("<", format_args!("`<` after `{keyword}`"))?;
                let ty = match keyword.as_str() {
                    "array" => ColumnType::Array(Box::new(self.parse_type(depth + 1)?)),
                    "map" => {
                        let key_start = self.peek().start;
                        let key = self.parse_type(depth + 1)?;
                        if !key.is_primitive() {
                            return Err(TypeError::at(
                                key_start,
                                format_args!("map key {}", quote(&key.canonical())),
                                ": map keys must be primitive types, not array, map or struct",
                            ));
                        }
                        self.expect(",", "`,` between the key and value types of a map")?;
                        let value = self.parse_type(depth + 1)?;
                        ColumnType::Map(Box::new(key), Box::new(value))
                    }
                    _ => ColumnType::Struct(self.parse_fields(depth + 1)?),
                };
                let closing = match ty {
                    ColumnType::Struct(_) => "`,` or `>`",
                    _ => "`>`",
                };
                self.expect(">", closing)?;
                Ok(ty)
            }
            _ => Err(TypeError::at(
                token.start,
                format_args!("unknown column type {}", quote(token.text)),
                format_args!("; expected one of {ALLOWED_TYPES}"),
            )),
        }
    }

    /// `name:type` pairs separated by commas, up to but not including the closing `>`.
    fn parse_fields(&mut self, depth: usize) -> Result<Vec<StructField>, TypeError> {
        let mut fields: Vec<StructField> = Vec::new();
        let mut seen = HashSet::new();
        loop {
            let token = self.bump();
            if token.kind != Kind::Word {
                let error = TypeError::expected("a field name", token);
                return Err(if fields.is_empty() {
                    error.hint("a struct needs at least one field")
                } else {
                    error
                });
            }
            if token.text.len() > MAX_FIELD_NAME_LEN {
                return Err(TypeError::at(
                    token.start,
                    format_args!("field name {} too long", quote(token.text)),
                    format_args!(": at most {MAX_FIELD_NAME_LEN} characters"),
                ));
            }
            let name = token.text.to_ascii_lowercase();
            if !seen.insert(name.clone()) {
                return Err(TypeError::at(
                    token.start,
                    format_args!("duplicate field name `{name}`"),
                    ": field names are case-insensitive and must be unique within a struct",
                ));
            }
            self.expect(":", format_args!("`:` after field name `{name}`"))?;
            let data_type = self.parse_type(depth)?;
            fields.push(StructField { name, data_type });
            if !self.eat(",") {
                return Ok(fields);
            }
        }
    }
}
