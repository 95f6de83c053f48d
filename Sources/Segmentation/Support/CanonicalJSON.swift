import Foundation

/// JSON encoding with sorted keys and no escaped slashes, so equal values give equal bytes.
enum CanonicalJSON {
    /// Encodes `value`; `pretty` adds indentation for files meant to be read by people.
    static func data(_ value: some Encodable, pretty: Bool = false) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain Codable structs of strings and numbers cannot fail; fall back to an empty object.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// Encodes `value` as a string.
    static func string(_ value: some Encodable, pretty: Bool = false) -> String {
        String(decoding: data(value, pretty: pretty), as: UTF8.self)
    }
}
