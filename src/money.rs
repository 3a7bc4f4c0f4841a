//! Money is kept in integer minor units (cents) with an ISO 4217 currency code.

/// "$9.99", "€1,250.00", "CHF 12.50": an amount in minor units for people.
pub fn format_minor(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let (whole, cents) = (abs / 100, abs % 100);
    let whole = group_thousands(whole);
    match code.as_str() {
        "USD" => format!("{sign}${whole}.{cents:02}"),
        "EUR" => format!("{sign}€{whole}.{cents:02}"),
        "GBP" => format!("{sign}£{whole}.{cents:02}"),
        _ => format!("{sign}{code} {whole}.{cents:02}"),
    }
}

pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_minor;

    #[test]
    fn formats_common_currencies() {
        assert_eq!(format_minor(999, "usd"), "$9.99");
        assert_eq!(format_minor(125_000, "EUR"), "€1,250.00");
        assert_eq!(format_minor(5, "gbp"), "£0.05");
        assert_eq!(format_minor(1250, "chf"), "CHF 12.50");
        assert_eq!(format_minor(-499, "usd"), "-$4.99");
        assert_eq!(format_minor(123_456_789, "usd"), "$1,234,567.89");
    }
}
