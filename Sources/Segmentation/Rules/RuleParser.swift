/// A recursive-descent parser from rule tokens to a ``RuleExpression``.
///
/// Recursion happens only through parentheses and `not`, both limited to ``RuleExpression/maximumDepth``
/// levels; chains of `and`/`or` are parsed iteratively into one n-ary node, so no input can exhaust the stack.
struct RuleParser {
    private let tokens: [RuleToken]
    private var index = 0
    private var depth = 0

    /// Creates a parser over tokens that end with an `.end` token.
    init(tokens: [RuleToken]) {
        self.tokens = tokens
    }

    private var current: RuleToken { tokens[min(index, tokens.count - 1)] }
    private var previous: RuleToken? { index > 0 ? tokens[index - 1] : nil }

    private mutating func advance() -> RuleToken {
        let token = current
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isKeyword(_ keyword: RuleToken.Keyword, ahead offset: Int = 0) -> Bool {
        tokens[min(index + offset, tokens.count - 1)].kind == .keyword(keyword)
    }

    /// Parses a whole condition and requires that nothing follows it.
    mutating func parseCondition() throws(RuleError) -> RuleExpression {
        if current.kind == .end {
            throw RuleError(.syntax, "the condition is empty", column: current.column)
        }
        let expression = try parseOr()
        guard current.kind == .end else {
            let token = current
            if token.kind == .rightParenthesis {
                throw RuleError(.syntax, "unmatched \")\"", column: token.column)
            }
            throw RuleError(
                .syntax, "unexpected \(token.quoted) after a complete condition (join conditions with and/or)",
                column: token.column)
        }
        return expression
    }

    private mutating func parseOr() throws(RuleError) -> RuleExpression {
        let first = try parseAnd()
        guard isKeyword(.or) else { return first }
        let column = current.column
        var operands = [first]
        while isKeyword(.or) {
            _ = advance()
            operands.append(try parseAnd())
        }
        return RuleExpression(.or(operands), column: column)
    }

    private mutating func parseAnd() throws(RuleError) -> RuleExpression {
        let first = try parseNot()
        guard isKeyword(.and) else { return first }
        let column = current.column
        var operands = [first]
        while isKeyword(.and) {
            _ = advance()
            operands.append(try parseNot())
        }
        return RuleExpression(.and(operands), column: column)
    }

    private mutating func parseNot() throws(RuleError) -> RuleExpression {
        guard isKeyword(.not) else { return try parsePredicate() }
        let token = advance()
        try enter(at: token)
        defer { depth -= 1 }
        return RuleExpression(.not(try parseNot()), column: token.column)
    }

    private mutating func enter(at token: RuleToken) throws(RuleError) {
        depth += 1
        if depth > RuleExpression.maximumDepth {
            throw RuleError(
                .tooComplex,
                "the condition is nested more than \(RuleExpression.maximumDepth) levels deep; simplify it",
                column: token.column)
        }
    }

    private mutating func parsePredicate() throws(RuleError) -> RuleExpression {
        let value = try parseOperand()
        switch current.kind {
        case .comparison(let op):
            let token = advance()
            let right = try parseOperand()
            return RuleExpression(.comparison(op, value, right), column: token.column)
        case .keyword(.between):
            return try parseBetween(value, isNegated: false)
        case .keyword(.in):
            return try parseMembership(value, isNegated: false)
        case .keyword(.not) where isKeyword(.between, ahead: 1):
            _ = advance()
            return try parseBetween(value, isNegated: true)
        case .keyword(.not) where isKeyword(.in, ahead: 1):
            _ = advance()
            return try parseMembership(value, isNegated: true)
        case .keyword(.is):
            let token = advance()
            let isNegated = isKeyword(.not)
            if isNegated { _ = advance() }
            guard isKeyword(.null) else {
                throw RuleError(
                    .syntax, "expected \"null\" after \"\(isNegated ? "is not" : "is")\", found \(current.quoted)",
                    column: current.column)
            }
            _ = advance()
            return RuleExpression(.nullTest(value, isNegated: isNegated), column: token.column)
        default:
            return value
        }
    }

    private mutating func parseBetween(_ value: RuleExpression, isNegated: Bool) throws(RuleError) -> RuleExpression {
        let token = advance()
        let low = try parseOperand()
        guard isKeyword(.and) else {
            throw RuleError(
                .syntax, "expected \"and\" in \"between … and …\", found \(current.quoted)", column: current.column)
        }
        _ = advance()
        let high = try parseOperand()
        return RuleExpression(.between(value, low: low, high: high, isNegated: isNegated), column: token.column)
    }

    private mutating func parseMembership(
        _ value: RuleExpression, isNegated: Bool
    ) throws(RuleError) -> RuleExpression {
        let token = advance()
        guard current.kind == .leftParenthesis else {
            throw RuleError(
                .syntax, "expected \"(\" after \"in\", found \(current.quoted) (write in ('DE', 'AT'))",
                column: current.column)
        }
        _ = advance()
        var list: [RuleExpression] = []
        while true {
            let item = current
            switch item.kind {
            case .number(let number):
                list.append(RuleExpression(.number(number), column: item.column))
            case .text(let text):
                list.append(RuleExpression(.text(text), column: item.column))
            case .keyword(.true), .keyword(.false):
                list.append(RuleExpression(.boolean(item.kind == .keyword(.true)), column: item.column))
            case .keyword(.null):
                throw RuleError(
                    .syntax, "null cannot be listed after \"in\"; test it with \"is null\"", column: item.column)
            case .end:
                throw RuleError(.syntax, "expected a value after \(previous?.quoted ?? "\"(\"")", column: item.column)
            default:
                throw RuleError(
                    .syntax,
                    "\"in\" lists only literal values (numbers, quoted text, true, false), found \(item.quoted)",
                    column: item.column)
            }
            _ = advance()
            if current.kind == .comma {
                _ = advance()
                continue
            }
            if current.kind == .rightParenthesis {
                _ = advance()
                return RuleExpression(.membership(value, list, isNegated: isNegated), column: token.column)
            }
            throw RuleError(
                .syntax, "expected \",\" or \")\" in the \"in\" list, found \(current.quoted)", column: current.column)
        }
    }

    private mutating func parseOperand() throws(RuleError) -> RuleExpression {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return RuleExpression(.number(value), column: token.column)
        case .text(let value):
            _ = advance()
            return RuleExpression(.text(value), column: token.column)
        case .keyword(.true), .keyword(.false):
            _ = advance()
            return RuleExpression(.boolean(token.kind == .keyword(.true)), column: token.column)
        case .identifier(let name):
            _ = advance()
            return RuleExpression(.feature(name), column: token.column)
        case .leftParenthesis:
            _ = advance()
            try enter(at: token)
            defer { depth -= 1 }
            if current.kind == .rightParenthesis {
                throw RuleError(.syntax, "expected a condition inside \"()\"", column: current.column)
            }
            let inner = try parseOr()
            guard current.kind == .rightParenthesis else {
                throw RuleError(
                    .syntax, "expected \")\" to close the \"(\" at column \(token.column), found \(current.quoted)",
                    column: current.column)
            }
            _ = advance()
            return inner
        case .keyword(.null):
            throw RuleError(
                .syntax, "null is not a value here; test for a missing value with \"is null\"", column: token.column)
        case .keyword(.not):
            throw RuleError(
                .syntax, "\"not\" must come before a whole comparison (write not (a = b))", column: token.column)
        default:
            let context = previous.map { "after \($0.quoted)" } ?? "at the start of the condition"
            let found = token.kind == .end ? "" : ", found \(token.quoted)"
            throw RuleError(.syntax, "expected a value \(context)\(found)", column: token.column)
        }
    }
}
