//! Table and property tests for the column-type grammar.

use daap::domain::column_type::{ColumnType, MAX_NESTING};

#[test]
fn valid_types_parse_to_their_canonical_spelling() {
    let valid = [
        ("boolean", "boolean"),
        ("tinyint", "tinyint"),
        ("smallint", "smallint"),
        ("int", "int"),
        ("integer", "int"),
        ("INTEGER", "int"),
        ("bigint", "bigint"),
        ("float", "float"),
        ("real", "float"),
        ("Real", "float"),
        ("double", "double"),
        ("string", "string"),
        ("STRING", "string"),
        ("binary", "binary"),
        ("date", "date"),
        ("timestamp", "timestamp"),
        ("TimeStamp", "timestamp"),
        ("  int  ", "int"),
        ("\tbigint\n", "bigint"),
        ("decimal(10,2)", "decimal(10,2)"),
        ("decimal(1,0)", "decimal(1,0)"),
        ("decimal(38,38)", "decimal(38,38)"),
        ("decimal(38,0)", "decimal(38,0)"),
        ("decimal(10)", "decimal(10,0)"),
        ("DECIMAL ( 10 , 2 )", "decimal(10,2)"),
        ("decimal(007,3)", "decimal(7,3)"),
        ("char(1)", "char(1)"),
        ("char(255)", "char(255)"),
        ("CHAR( 12 )", "char(12)"),
        ("varchar", "varchar"),
        ("varchar(1)", "varchar(1)"),
        ("varchar(65535)", "varchar(65535)"),
        ("VarChar (20)", "varchar(20)"),
        ("array<int>", "array<int>"),
        ("array<integer>", "array<int>"),
        ("map<string,int>", "map<string,int>"),
        ("map<decimal(5,2),real>", "map<decimal(5,2),float>"),
        ("map<date, array<timestamp>>", "map<date,array<timestamp>>"),
        ("struct<a:int>", "struct<a:int>"),
        ("struct<a:int,b:string>", "struct<a:int,b:string>"),
        (
            "ARRAY < STRUCT< a : INT , b:Decimal( 10 , 2 ) > >",
            "array<struct<a:int,b:decimal(10,2)>>",
        ),
        (
            "struct<Col_1:int, _x:string, 2nd:date, ABC_def_9:bigint>",
            "struct<col_1:int,_x:string,2nd:date,abc_def_9:bigint>",
        ),
        (
            "struct<int:int,array:string>",
            "struct<int:int,array:string>",
        ),
        ("array<array<array<int>>>", "array<array<array<int>>>"),
        (
            "map<string,array<struct<k:map<int,varchar(5)>>>>",
            "map<string,array<struct<k:map<int,varchar(5)>>>>",
        ),
        (
            "struct<outer:struct<middle:struct<inner:array<map<bigint,binary>>>>>",
            "struct<outer:struct<middle:struct<inner:array<map<bigint,binary>>>>>",
        ),
        (
            "array<map<char(3),struct<x:real,y:array<decimal(4)>>>>",
            "array<map<char(3),struct<x:float,y:array<decimal(4,0)>>>>",
        ),
        (
            "\n struct <\n  id : bigint ,\n  tags : array < string >\n >\n",
            "struct<id:bigint,tags:array<string>>",
        ),
    ];
    assert!(valid.len() >= 30);
    for (raw, canonical) in valid {
        let parsed = ColumnType::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
        assert_eq!(parsed.canonical(), canonical, "{raw:?}");
        assert_eq!(parsed.to_string(), canonical, "{raw:?}");
        assert_eq!(ColumnType::parse(canonical), Ok(parsed.clone()), "{raw:?}");
        assert_eq!(raw.parse::<ColumnType>(), Ok(parsed), "{raw:?}");
    }
}

#[test]
fn invalid_types_are_rejected() {
    let deep_100 = format!("{}int{}", "array<".repeat(100), ">".repeat(100));
    let long_name = format!("struct<{}:int>", "a".repeat(129));
    let invalid = [
        "not_a_string_type",
        "map_<string,int>",
        "uint",
        "decimal",
        "decimal(39,0)",
        "decimal(0,0)",
        "decimal(5,6)",
        "decimal(,2)",
        "decimal(2,)",
        "decimal(-1,0)",
        "decimal(10,2",
        "decimal(10,2,1)",
        "decimal(99999999999999999999,0)",
        "decimal(1.5,0)",
        "varchar(0)",
        "varchar(65536)",
        "varchar()",
        "char",
        "char(0)",
        "char(256)",
        "int(5)",
        "string<int>",
        "array<>",
        "array",
        "array<int",
        "array<int>>",
        "array<int,string>",
        "array(int)",
        "struct<>",
        "struct<a int>",
        "struct<a:int,>",
        "struct<a:int,a:string>",
        "struct<A:int,a:int>",
        "struct<a-b:int>",
        "struct<:int>",
        &long_name,
        "map<int>",
        "map<int,string,int>",
        "map<array<int>,int>",
        "map<map<int,int>,int>",
        "map<struct<a:int>,int>",
        "int int",
        "int,",
        "int>",
        "<int>",
        "",
        "   ",
        "\t\n",
        "ìnt",
        "struct<naïve:int>",
        "array<int>é",
        "int;",
        "`int`",
        &deep_100,
    ];
    assert!(invalid.len() >= 30);
    for raw in invalid {
        let result = ColumnType::parse(raw);
        assert!(result.is_err(), "{raw:?} should be rejected: {result:?}");
        assert!(raw.parse::<ColumnType>().is_err(), "{raw:?}");
    }
}

#[test]
fn nesting_is_capped_to_bound_recursion() {
    let nested = |levels: usize| format!("{}int{}", "array<".repeat(levels), ">".repeat(levels));
    let deepest = ColumnType::parse(&nested(MAX_NESTING)).expect("the cap itself is allowed");
    assert_eq!(deepest.canonical(), nested(MAX_NESTING));
    for levels in [MAX_NESTING + 1, 100, 100_000] {
        let error = ColumnType::parse(&nested(levels)).unwrap_err();
        assert_eq!(error.position(), MAX_NESTING * "array<".len(), "{levels}");
        assert!(error.to_string().contains("nest too deeply"), "{error}");
    }
    let structs = format!("{}int{}", "struct<a:".repeat(40), ">".repeat(40));
    let error = ColumnType::parse(&structs).unwrap_err();
    assert!(error.to_string().contains("nest too deeply"), "{error}");
}

#[test]
fn error_messages_say_where_and_what_went_wrong() {
    let cases = [
        (
            "array<int,string>",
            9,
            "expected `>` at position 9, found `,`",
        ),
        (
            "",
            0,
            "expected a column type at position 0, found end of input",
        ),
        (
            "int int",
            4,
            "expected end of input at position 4, found `int`",
        ),
        (
            "array<int",
            9,
            "expected `>` at position 9, found end of input",
        ),
        (
            "decimal(39,0)",
            8,
            "decimal precision out of range at position 8: must be from 1 to 38, found `39`",
        ),
        ("decimal(5,6)", 10, "must be from 0 to 5"),
        ("decimal", 7, "e.g. `decimal(10,2)`"),
        ("decimal(-1,0)", 8, "found `-`"),
        ("varchar()", 8, "varchar length (a number from 1 to 65535)"),
        ("uint", 0, "unknown column type `uint`"),
        ("struct<a int>", 9, "expected `:` after field name `a`"),
        ("struct<A:int,a:int>", 13, "duplicate field name `a`"),
        ("struct<>", 7, "struct needs at least one field"),
        (
            "map<array<int>,int>",
            4,
            "map key `array<int>` at position 4: map keys must be primitive",
        ),
        (
            "map<int>",
            7,
            "expected `,` between the key and value types",
        ),
        (
            "struct<a:int b:int>",
            13,
            "expected `,` or `>` at position 13",
        ),
        (
            "int(5)",
            3,
            "unexpected `(` at position 3: `int` takes no parameters",
        ),
        ("array<ìnt>", 6, "only ASCII letters"),
    ];
    for (raw, position, fragment) in cases {
        let error = ColumnType::parse(raw).unwrap_err();
        let message = error.to_string();
        assert_eq!(error.position(), position, "{raw:?}: {message}");
        assert!(
            message.contains(&format!("position {position}")),
            "{raw:?}: {message}"
        );
        assert!(message.contains(fragment), "{raw:?}: {message}");
    }
}

#[test]
fn only_scalars_are_primitive() {
    for primitive in ["int", "decimal(3,1)", "varchar", "char(2)", "timestamp"] {
        assert!(
            ColumnType::parse(primitive).unwrap().is_primitive(),
            "{primitive}"
        );
    }
    for complex in ["array<int>", "map<int,int>", "struct<a:int>"] {
        assert!(
            !ColumnType::parse(complex).unwrap().is_primitive(),
            "{complex}"
        );
    }
}
