/// Quotes SQL identifiers (schema, table and column names) so any name is safe in SQL text.
///
/// Values are bound as parameters; identifiers cannot be, so they are always quoted:
/// `PostgresIdentifier.quote("my \"table\"")` is `"my ""table"""`.
public enum PostgresIdentifier {
    /// The name in double quotes, with embedded double quotes doubled; the case is kept as given.
    public static func quote(_ name: String) -> String {
        // Works on UTF-8 bytes, not Characters: a quote followed by a combining mark is one Character but
        // still a quote to the SQL parser.
        var quoted: [UInt8] = [0x22]
        quoted.reserveCapacity(name.utf8.count + 2)
        for byte in name.utf8 {
            if byte == 0x22 { quoted.append(0x22) }
            quoted.append(byte)
        }
        quoted.append(0x22)
        return String(decoding: quoted, as: UTF8.self)
    }

    /// A schema-qualified name, `"schema"."name"`.
    public static func quote(schema: String, name: String) -> String {
        quote(schema) + "." + quote(name)
    }
}
