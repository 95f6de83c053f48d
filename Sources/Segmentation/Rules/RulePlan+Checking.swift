extension RulePlan {
    /// A typed operand: a numeric or text feature or constant, or a truth-valued plan.
    private enum Value {
        case numericFeature(String)
        case numericConstant(Double)
        case textFeature(String)
        case textConstant(String)
        case truth(RulePlan)
    }

    /// Checks a parsed condition against a schema and lowers it to a plan.
    ///
    /// Rejects unknown features (suggesting the nearest known name), comparisons between values of different
    /// types, ordering of Booleans, and numbers or text where a condition is needed.
    /// - Throws: ``RuleError`` with code `unknownFeature` or `typeMismatch`, with the column but no rule name.
    static func check(_ expression: RuleExpression, schema: RuleSchema) throws(RuleError) -> RulePlan {
        try condition(expression, schema)
    }

    private static func condition(_ expression: RuleExpression, _ schema: RuleSchema) throws(RuleError) -> RulePlan {
        switch expression.kind {
        case .comparison(let op, let left, let right):
            return try comparison(op, left, right, column: expression.column, schema)
        case .between(let value, let low, let high, let isNegated):
            let lower = try comparison(.greaterOrEqual, value, low, column: expression.column, schema)
            let upper = try comparison(.lessOrEqual, value, high, column: expression.column, schema)
            let plan = RulePlan.all([lower, upper])
            return isNegated ? plan.negated : plan
        case .membership(let value, let list, let isNegated):
            let plan = try membership(value, list, schema)
            return isNegated ? plan.negated : plan
        case .nullTest(let value, let isNegated):
            let plan: RulePlan
            switch try typed(value, schema) {
            case .numericFeature(let name): plan = .numericIsNull(name)
            case .textFeature(let name): plan = .textIsNull(name)
            case .numericConstant, .textConstant: plan = .constant(no)
            case .truth(.constant(let truth)): plan = .constant(truth == unknown ? yes : no)
            case .truth(let inner): plan = .map(inner, unknownTest)
            }
            return isNegated ? plan.negated : plan
        case .not(let operand):
            return try condition(operand, schema).negated
        case .and(let operands):
            var plans: [RulePlan] = []
            for operand in operands { plans.append(try condition(operand, schema)) }
            return .all(plans)
        case .or(let operands):
            var plans: [RulePlan] = []
            for operand in operands { plans.append(try condition(operand, schema)) }
            return .any(plans)
        case .number, .text, .boolean, .feature:
            switch try typed(expression, schema) {
            case .truth(let plan):
                return plan
            case .numericFeature(let name):
                throw RuleError(
                    .typeMismatch,
                    "expected a condition, but \(name) is a numeric feature (compare it, e.g. \(name) > 0)",
                    column: expression.column)
            case .textFeature(let name):
                throw RuleError(
                    .typeMismatch,
                    "expected a condition, but \(name) is a text feature (compare it, e.g. \(name) = 'value')",
                    column: expression.column)
            case .numericConstant:
                throw RuleError(.typeMismatch, "expected a condition, found a number", column: expression.column)
            case .textConstant:
                throw RuleError(.typeMismatch, "expected a condition, found a text value", column: expression.column)
            }
        }
    }

    private static func typed(_ expression: RuleExpression, _ schema: RuleSchema) throws(RuleError) -> Value {
        switch expression.kind {
        case .number(let value):
            return .numericConstant(value)
        case .text(let value):
            return .textConstant(value)
        case .boolean(let value):
            return .truth(.constant(value ? yes : no))
        case .feature(let name):
            switch schema[name] {
            case .numeric: return .numericFeature(name)
            case .text: return .textFeature(name)
            case .boolean: return .truth(.boolean(name))
            case nil:
                let hint = schema.suggestion(for: name).map { " (did you mean \($0)?)" } ?? ""
                throw RuleError(.unknownFeature, "unknown feature \"\(name)\"\(hint)", column: expression.column)
            }
        default:
            return .truth(try condition(expression, schema))
        }
    }

    private static func describe(_ expression: RuleExpression, _ value: Value) -> String {
        switch value {
        case .numericFeature(let name): "numeric \(name)"
        case .textFeature(let name): "text \(name)"
        case .numericConstant: "a number"
        case .textConstant: "a text value"
        case .truth:
            if case .feature(let name) = expression.kind {
                "boolean \(name)"
            } else if case .boolean = expression.kind {
                "a boolean"
            } else {
                "a condition"
            }
        }
    }

    private static func comparison(
        _ op: ComparisonOperator, _ left: RuleExpression, _ right: RuleExpression, column: Int,
        _ schema: RuleSchema
    ) throws(RuleError) -> RulePlan {
        let leftValue = try typed(left, schema)
        let rightValue = try typed(right, schema)
        switch (leftValue, rightValue) {
        case (.numericConstant(let a), .numericConstant(let b)):
            return .constant(op.compare(a, b) ? yes : no)
        case (.numericFeature(let a), .numericConstant(let b)):
            return .numericCompare(a, op, b)
        case (.numericConstant(let a), .numericFeature(let b)):
            return .numericCompare(b, op.swapped, a)
        case (.numericFeature(let a), .numericFeature(let b)):
            return .numericCompareFeatures(a, op, b)
        case (.textConstant(let a), .textConstant(let b)):
            return .constant(op.compare(a, b) ? yes : no)
        case (.textFeature(let a), .textConstant(let b)):
            return .textCompare(a, op, b)
        case (.textConstant(let a), .textFeature(let b)):
            return .textCompare(b, op.swapped, a)
        case (.textFeature(let a), .textFeature(let b)):
            return .textCompareFeatures(a, op, b)
        case (.truth(let a), .truth(let b)):
            guard !op.isOrdering else {
                throw RuleError(
                    .typeMismatch,
                    "\"\(op)\" cannot order \(describe(left, leftValue)) and \(describe(right, rightValue)); "
                        + "Booleans compare only with = and !=",
                    column: column)
            }
            let plan = truthEquality(a, b)
            return op == .equal ? plan : plan.negated
        default:
            throw RuleError(
                .typeMismatch,
                "comparing \(describe(left, leftValue)) with \(describe(right, rightValue))", column: column)
        }
    }

    private static func truthEquality(_ a: RulePlan, _ b: RulePlan) -> RulePlan {
        switch (a, b) {
        case (.constant(let x), .constant(let y)):
            return .constant(x == unknown || y == unknown ? unknown : (x == y ? yes : no))
        case (let plan, .constant(let value)), (.constant(let value), let plan):
            if value == yes { return plan }
            if value == no { return plan.negated }
            return .constant(unknown)
        default:
            return .equal(a, b)
        }
    }

    private static func membership(
        _ value: RuleExpression, _ list: [RuleExpression], _ schema: RuleSchema
    ) throws(RuleError) -> RulePlan {
        let subject = try typed(value, schema)
        var numbers: [Double] = []
        var texts: Set<String> = []
        var truths: Set<UInt8> = []
        for item in list {
            let itemValue = try typed(item, schema)
            switch (subject, itemValue) {
            case (.numericFeature, .numericConstant(let number)), (.numericConstant, .numericConstant(let number)):
                numbers.append(number)
            case (.textFeature, .textConstant(let text)), (.textConstant, .textConstant(let text)):
                texts.insert(text)
            case (.truth, .truth(.constant(let truth))):
                truths.insert(truth)
            default:
                throw RuleError(
                    .typeMismatch,
                    "comparing \(describe(value, subject)) with \(describe(item, itemValue))", column: item.column)
            }
        }
        switch subject {
        case .numericFeature(let name):
            return .numericIn(name, Array(Set(numbers)).sorted())
        case .numericConstant(let number):
            return .constant(numbers.contains(number) ? yes : no)
        case .textFeature(let name):
            return .textIn(name, texts)
        case .textConstant(let text):
            return .constant(texts.contains(text) ? yes : no)
        case .truth(let plan):
            let table = [truths.contains(no) ? yes : no, unknown, truths.contains(yes) ? yes : no]
            if case .constant(let truth) = plan { return .constant(table[Int(truth)]) }
            return .map(plan, table)
        }
    }
}
