/// Splits a rule condition into tokens.
///
/// Numbers are decimal (`1000`, `0.5`, `.5`, `-3`); strings are in single or double quotes, a doubled quote
/// standing for itself (`'O''Brien'`); identifiers are letters, digits and underscores, not starting with a
/// digit; keywords are matched without regard to case.
struct RuleLexer {
    private let characters: [Character]
    private var index = 0

    init(_ text: String) {
        characters = Array(text)
    }

    /// All tokens of the text, ending with an `.end` token.
    static func tokens(of text: String) throws(RuleError) -> [RuleToken] {
        var lexer = RuleLexer(text)
        var tokens: [RuleToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var column: Int { index + 1 }

    private func peek(_ offset: Int = 0) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }

    private mutating func next() throws(RuleError) -> RuleToken {
        while let character = peek(), character.isWhitespace { index += 1 }
        let start = index
        guard let character = peek() else { return RuleToken(kind: .end, column: column, spelling: "") }
        func token(_ kind: RuleToken.Kind) -> RuleToken {
            RuleToken(kind: kind, column: start + 1, spelling: String(characters[start..<index]))
        }
        switch character {
        case "(":
            index += 1
            return token(.leftParenthesis)
        case ")":
            index += 1
            return token(.rightParenthesis)
        case ",":
            index += 1
            return token(.comma)
        case "=":
            index += peek(1) == "=" ? 2 : 1
            return token(.comparison(.equal))
        case "!":
            guard peek(1) == "=" else {
                throw RuleError(.syntax, "unexpected character \"!\" (use != for not equal, or not)", column: column)
            }
            index += 2
            return token(.comparison(.notEqual))
        case "<":
            switch peek(1) {
            case "=":
                index += 2
                return token(.comparison(.lessOrEqual))
            case ">":
                index += 2
                return token(.comparison(.notEqual))
            default:
                index += 1
                return token(.comparison(.less))
            }
        case ">":
            if peek(1) == "=" {
                index += 2
                return token(.comparison(.greaterOrEqual))
            }
            index += 1
            return token(.comparison(.greater))
        case "'", "\"":
            return try text(quote: character)
        default:
            if isDigit(character) || (character == "." || character == "-") && startsNumber(after: character) {
                return try number()
            }
            if isIdentifierStart(character) {
                while let next = peek(), isIdentifierStart(next) || isDigit(next) { index += 1 }
                let word = String(characters[start..<index])
                if let keyword = RuleToken.Keyword(rawValue: word.lowercased()) {
                    return token(.keyword(keyword))
                }
                return token(.identifier(word))
            }
            throw RuleError(.syntax, "unexpected character \"\(character)\"", column: column)
        }
    }

    private func startsNumber(after character: Character) -> Bool {
        if character == "." { return peek(1).map(isDigit) ?? false }
        // A minus sign must be followed by a digit or by a point and a digit.
        guard let next = peek(1) else { return false }
        if isDigit(next) { return true }
        return next == "." && (peek(2).map(isDigit) ?? false)
    }

    private mutating func number() throws(RuleError) -> RuleToken {
        let start = index
        if peek() == "-" { index += 1 }
        while let character = peek(), isDigit(character) { index += 1 }
        if peek() == ".", let after = peek(1), isDigit(after) {
            index += 1
            while let character = peek(), isDigit(character) { index += 1 }
        }
        let spelling = String(characters[start..<index])
        if let next = peek(), isIdentifierStart(next) || next == "." {
            throw RuleError(
                .syntax, "malformed number \"\(spelling)\(next)\" (write numbers as 1000 or 0.5)",
                column: start + 1)
        }
        guard let value = Double(spelling), value.isFinite else {
            let shown = spelling.count > 24 ? "\(spelling.prefix(20))…" : spelling
            throw RuleError(.syntax, "number \(shown) is out of range", column: start + 1)
        }
        return RuleToken(kind: .number(value), column: start + 1, spelling: spelling)
    }

    private mutating func text(quote: Character) throws(RuleError) -> RuleToken {
        let start = index
        index += 1
        var value = ""
        while let character = peek() {
            index += 1
            if character == quote {
                guard peek() == quote else {
                    return RuleToken(
                        kind: .text(value), column: start + 1, spelling: String(characters[start..<index]))
                }
                index += 1
            }
            value.append(character)
        }
        throw RuleError(.syntax, "unterminated string (add the closing \(quote))", column: start + 1)
    }

    private func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isNumber
    }

    private func isIdentifierStart(_ character: Character) -> Bool {
        character == "_" || character.isASCII && character.isLetter
    }
}
