/// A token of the rule language with its 1-based column.
struct RuleToken: Sendable, Hashable {
    /// A kind of token.
    enum Kind: Sendable, Hashable {
        case number(Double)
        case text(String)
        case identifier(String)
        case keyword(Keyword)
        case comparison(ComparisonOperator)
        case leftParenthesis
        case rightParenthesis
        case comma
        case end
    }

    /// A reserved word; matched without regard to case.
    enum Keyword: String, Sendable, Hashable, CaseIterable {
        case and, or, not, between, `in`, `is`, null, `true`, `false`
    }

    let kind: Kind
    /// The 1-based column of the token's first character.
    let column: Int
    /// The token as written, for messages.
    let spelling: String

    /// How the token reads in a message: quoted spelling, or "the end of the condition".
    var quoted: String {
        kind == .end ? "the end of the condition" : "\"\(spelling)\""
    }
}
