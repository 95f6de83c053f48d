/// The per-customer features the features stage computes, with their definitions.
public enum FeatureCatalog {
    /// Numeric features usable for clustering, in table order.
    public static let numericFeatureNames = [
        "recency_days", "frequency", "monetary_total", "avg_order_value", "tenure_days", "return_rate",
        "email_open_rate", "email_click_rate",
    ]

    /// One-line definitions, used in docs and as column comments.
    public static let definitions: [String: String] = [
        "recency_days": "days from the last completed order to as_of; null without completed orders",
        "frequency": "number of completed orders",
        "monetary_total": "sum of completed order amounts in the reporting currency",
        "avg_order_value": "monetary_total / frequency; null without completed orders",
        "tenure_days": "days from signup (or the first order when signup is unknown) to as_of",
        "return_rate": "returned / (completed + returned) orders; null without such orders",
        "email_open_rate": "open events / sent events; null without sent events",
        "email_click_rate": "click events / sent events; null without sent events",
        "first_order_date": "date of the first completed order",
        "last_order_date": "date of the last completed order",
        "unsubscribed": "whether the customer has an unsubscribe event",
    ]
}

/// A transform applied to a feature before z-scoring for clustering.
public enum FeatureTransform: String, Sendable, Codable {
    /// `log(1 + max(x, 0))`, which tames the long right tails of counts and money.
    case log1p
    /// The value as it is.
    case none
}
