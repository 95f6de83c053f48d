internal import CLibPQ

extension PostgresConnection {
    /// The passwords a connection string holds, so error messages can be scrubbed of them.
    ///
    /// - Throws: `PostgresError(.connection)` when libpq cannot parse the string; the message leaves out the
    ///   quoted fragments libpq would echo, as they may hold a password.
    static func passwords(in conninfo: String) throws -> [String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            var reason = "it is neither a postgresql:// URL nor a key=value connection string"
            if let errorMessage {
                reason = scrubQuoted(text(errorMessage))
                PQfreemem(errorMessage)
            }
            throw PostgresError(
                .connection,
                "cannot parse the database connection string: \(reason); expected "
                    + "postgresql://USER@HOST:PORT/DATABASE or host=HOST port=PORT dbname=DATABASE user=USER")
        }
        defer { PQconninfoFree(options) }
        var passwords: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val {
                let password = String(cString: value)
                if !password.isEmpty { passwords.append(password) }
            }
            option += 1
        }
        return passwords
    }

    /// `text` with every occurrence of a secret replaced by `****`.
    static func redact(_ text: String, secrets: [String]) -> String {
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            result = result.replacingAll(secret, with: "****")
        }
        return result
    }

    /// Where a connection was going, for messages: host, port, database and user, never the password.
    static func target(of connection: OpaquePointer) -> String {
        var parts: [String] = []
        let host = text(PQhost(connection))
        if !host.isEmpty { parts.append("host=\(host)") }
        let port = text(PQport(connection))
        if !port.isEmpty { parts.append("port=\(port)") }
        let database = text(PQdb(connection))
        if !database.isEmpty { parts.append("dbname=\(database)") }
        let user = text(PQuser(connection))
        if !user.isEmpty { parts.append("user=\(user)") }
        return parts.isEmpty ? "libpq defaults" : parts.joined(separator: " ")
    }

    /// `text` with double-quoted fragments replaced by `"…"`.
    private static func scrubQuoted(_ text: String) -> String {
        var result = ""
        var isQuoted = false
        for character in text {
            if character == "\"" {
                result.append(isQuoted ? "…\"" : "\"")
                isQuoted.toggle()
            } else if !isQuoted {
                result.append(character)
            }
        }
        return result
    }
}

extension String {
    /// The string with every occurrence of `target` replaced.
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
