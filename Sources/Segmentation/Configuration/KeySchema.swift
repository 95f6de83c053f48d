import Yams

/// The allowed shape of a YAML document, used to reject unknown keys with their position.
indirect enum KeySchema: Sendable {
    /// A mapping with exactly these keys allowed.
    case mapping([String: KeySchema])
    /// A mapping with free keys whose values have the given shape.
    case dictionary(KeySchema)
    /// A sequence whose elements have the given shape.
    case sequence(KeySchema)
    /// A scalar.
    case scalar
    /// Either a scalar or a mapping with free keys whose values have the given shape.
    case scalarOrDictionary(KeySchema)

    /// Checks `node` against the schema, throwing at the first unknown key or wrong shape.
    func check(_ node: Node, path: String, keyPath: String) throws(PipelineError) {
        func position(_ node: Node) -> String { node.mark.map { ":\($0.line):\($0.column)" } ?? "" }
        func name(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }
        switch self {
        case .mapping(let allowed):
            guard let mapping = node.mapping else {
                throw PipelineError(
                    .configuration,
                    "\(path)\(position(node)): \(keyPath.isEmpty ? "document" : keyPath): expected a mapping")
            }
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? ""
                guard let schema = allowed[key] else {
                    let expected = allowed.keys.sorted().joined(separator: ", ")
                    throw PipelineError(
                        .configuration,
                        "\(path)\(position(keyNode)): unknown key \"\(name(key))\" (expected one of: \(expected))")
                }
                try schema.check(value, path: path, keyPath: name(key))
            }
        case .dictionary(let valueSchema):
            guard let mapping = node.mapping else {
                throw PipelineError(.configuration, "\(path)\(position(node)): \(keyPath): expected a mapping")
            }
            for (keyNode, value) in mapping {
                try valueSchema.check(value, path: path, keyPath: name(keyNode.string ?? ""))
            }
        case .sequence(let elementSchema):
            guard let sequence = node.sequence else {
                throw PipelineError(.configuration, "\(path)\(position(node)): \(keyPath): expected a list")
            }
            for (index, element) in sequence.enumerated() {
                try elementSchema.check(element, path: path, keyPath: "\(keyPath)[\(index)]")
            }
        case .scalarOrDictionary(let valueSchema):
            if node.scalar == nil { try KeySchema.dictionary(valueSchema).check(node, path: path, keyPath: keyPath) }
        case .scalar:
            guard node.scalar != nil else {
                throw PipelineError(.configuration, "\(path)\(position(node)): \(keyPath): expected a single value")
            }
        }
    }

    /// The shape of a pipeline file.
    static let pipeline: KeySchema = {
        let source = KeySchema.mapping([
            "path": .scalar, "table": .scalar, "query": .scalar, "where": .scalar, "database_env": .scalar,
            "delimiter": .scalar, "quote": .scalar, "header": .scalar, "encoding": .scalar, "required": .scalar,
            "columns": .dictionary(.scalar), "formats": .mapping(["date": .scalar, "decimal": .scalar]),
        ])
        return .mapping([
            "name": .scalar,
            "sources": .mapping(["customers": source, "orders": source, "email_events": source]),
            "clean": .mapping([
                "max_reject_rate": .scalar, "default_region": .scalar, "missing_values": .dictionary(.scalar),
                "unknown_customers": .scalar,
                "currency_rates": .dictionary(.scalar),
                "order_status": .mapping([
                    "completed": .sequence(.scalar), "returned": .sequence(.scalar), "cancelled": .sequence(.scalar),
                ]),
            ]),
            "dedupe": .mapping([
                "rules": .sequence(.scalar), "threshold": .scalar, "max_block_size": .scalar, "max_group_size": .scalar,
                "survivorship": .dictionary(.scalar), "write_orders_and_events": .scalar,
            ]),
            "features": .mapping([
                "clustering": .sequence(.scalar), "transforms": .dictionary(.scalar), "weights": .dictionary(.scalar),
                "winsorize": .dictionary(.scalar), "scaling": .scalarOrDictionary(.scalar),
                "categorical": .dictionary(.scalar), "max_categories": .scalar, "pushdown": .scalar,
                "predict_clv": .scalar,
            ]),
            "segment": .mapping([
                "method": .scalar, "k": .scalar, "k_min": .scalar, "k_max": .scalar, "linkage": .scalar,
                "seed": .scalar, "restarts": .scalar, "max_iterations": .scalar, "stable_ids": .scalar,
                "hierarchical_max_points": .scalar, "micro_clusters": .scalar, "score_with": .scalar,
            ]),
            "load": .mapping([
                "schema": .scalar, "keep_runs": .scalar, "read_role": .scalar, "pseudonymize_contacts": .scalar,
            ]),
            "rules": .mapping([
                "default": .scalar, "segments": .sequence(.mapping(["name": .scalar, "when": .scalar])),
            ]),
        ])
    }()
}
