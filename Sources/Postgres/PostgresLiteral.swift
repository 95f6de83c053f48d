/// Quotes string literals for the rare SQL that cannot take a bound parameter (DDL such as `COMMENT ON`).
///
/// Prefer bound parameters (`$1`) everywhere else.
public enum PostgresLiteral {
    /// The value as a SQL string literal: `'it''s'`; with backslashes, an escape-string literal ` E'a\\b'`
    /// (with a leading space, so it never fuses with a preceding word).
    ///
    /// Correct whatever `standard_conforming_strings` is set to.
    /// - Precondition: the value holds no NUL character (PostgreSQL text cannot; execute rejects such SQL).
    public static func quote(_ value: String) -> String {
        // Works on UTF-8 bytes, not Characters, so a quote followed by a combining mark is still escaped.
        let hasBackslash = value.utf8.contains(0x5C)
        var quoted: [UInt8] = hasBackslash ? [0x20, 0x45, 0x27] : [0x27]
        quoted.reserveCapacity(value.utf8.count + 3)
        for byte in value.utf8 {
            if byte == 0x27 || byte == 0x5C { quoted.append(byte) }
            quoted.append(byte)
        }
        quoted.append(0x27)
        return String(decoding: quoted, as: UTF8.self)
    }
}
