/// The per-customer features the features stage computes, with their definitions.
public enum FeatureCatalog {
    /// Numeric features usable for clustering, in table order.
    public static let numericFeatureNames = [
        "recency_days", "frequency", "monetary_total", "avg_order_value", "tenure_days", "return_rate",
        "email_open_rate", "email_click_rate", "purchase_days", "mean_days_between_purchases", "category_count",
        "days_since_last_open", "age", "clv_historical_12m", "predicted_clv_12m", "expected_purchases_12m",
        "probability_alive",
    ]

    /// Text attributes that can feed clustering as one-hot columns (`features.categorical`) and whose shares are
    /// shown per segment (`segment_attribute_shares`).
    public static let categoricalAttributeNames = [
        "country", "city", "postal_area", "acquisition_channel", "age_band", "top_category",
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
        "purchase_days": "number of distinct days with a completed order",
        "mean_days_between_purchases": "(last − first completed order day) / (purchase_days − 1); null below 2 days",
        "category_count": "number of distinct categories among completed orders",
        "top_category": "the category with the most completed orders (ties by name)",
        "days_since_last_open": "days from the last email open to as_of; null without opens",
        "age": "completed years from birth_date to as_of",
        "age_band": "age in bands: under 18, 18-24, 25-34, 35-44, 45-54, 55-64, 65+",
        "postal_area": "first two characters of the postal code",
        "clv_historical_12m": "revenue of completed orders in the 365 days before as_of",
        "predicted_clv_12m": "BG/NBD × Gamma-Gamma expected revenue of the next 12 months, discounted 1 % a month",
        "expected_purchases_12m": "BG/NBD expected number of repeat purchase days in the next 365 days",
        "probability_alive": "BG/NBD probability that the customer is still active",
    ]
}

/// A transform applied to a feature before z-scoring for clustering.
public enum FeatureTransform: String, Sendable, Codable {
    /// `log(1 + max(x, 0))`, which tames the long right tails of counts and money.
    case log1p
    /// The value as it is.
    case none
}
