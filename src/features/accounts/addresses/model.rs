//! An address and its rules, shared by the form (limits shown as hints) and the server.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::countries::country_name;

/// How many addresses one member may keep.
pub const ADDRESSES_MAX: i64 = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Address {
    pub id: Uuid,
    pub full_name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
    pub is_default: bool,
}

impl Address {
    /// The lines as printed on a parcel.
    pub fn lines(&self) -> Vec<String> {
        let city_line = [self.postal_code.as_str(), self.city.as_str(), self.region.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        [
            self.full_name.clone(),
            self.line1.clone(),
            self.line2.clone(),
            city_line,
            country_name(&self.country).unwrap_or(&self.country).to_string(),
            self.phone.clone(),
        ]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect()
    }
}

/// Field limits in characters (the form states them).
pub struct Limits;

impl Limits {
    pub const FULL_NAME: usize = 80;
    pub const LINE: usize = 100;
    pub const CITY: usize = 60;
    pub const REGION: usize = 60;
    pub const POSTAL_CODE: usize = 12;
    pub const PHONE: usize = 20;
}

/// What the form sends, checked into an address to store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddressInput {
    pub full_name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    pub postal_code: String,
    pub country: String,
    #[serde(default)]
    pub phone: String,
}

fn field(value: &str, label: &str, max: usize, required: bool) -> Result<String, String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(format!("Enter the {label}."));
    }
    if v.chars().count() > max {
        return Err(format!("The {label} is too long ({max} characters at most)."));
    }
    if v.chars().any(char::is_control) {
        return Err(format!("The {label} contains characters we cannot print."));
    }
    Ok(v.to_string())
}

impl AddressInput {
    /// The address as stored, or the first problem in form order.
    pub fn validate(&self) -> Result<AddressInput, String> {
        let postal_code = field(&self.postal_code, "postal code", Limits::POSTAL_CODE, true)?;
        if !postal_code.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
            return Err("The postal code may contain only letters, digits, spaces and hyphens.".into());
        }
        let phone = field(&self.phone, "phone number", Limits::PHONE, false)?;
        if !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err("The phone number may contain only digits, spaces and + - ( ) .".into());
        }
        let country = self.country.trim().to_ascii_uppercase();
        if country_name(&country).is_none() {
            return Err("Choose a country from the list.".into());
        }
        Ok(AddressInput {
            full_name: field(&self.full_name, "full name", Limits::FULL_NAME, true)?,
            line1: field(&self.line1, "address line 1", Limits::LINE, true)?,
            line2: field(&self.line2, "address line 2", Limits::LINE, false)?,
            city: field(&self.city, "city", Limits::CITY, true)?,
            region: field(&self.region, "state or region", Limits::REGION, false)?,
            postal_code: postal_code.to_uppercase(),
            country,
            phone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AddressInput {
        AddressInput {
            full_name: " Ada Lovelace ".into(),
            line1: "12 St James's Square".into(),
            line2: String::new(),
            city: "London".into(),
            region: String::new(),
            postal_code: "sw1y 4jh".into(),
            country: "gb".into(),
            phone: "+44 20 7946 0000".into(),
        }
    }

    #[test]
    fn a_valid_address_is_trimmed_and_normalised() {
        let a = input().validate().unwrap();
        assert_eq!(a.full_name, "Ada Lovelace");
        assert_eq!(a.postal_code, "SW1Y 4JH");
        assert_eq!(a.country, "GB");
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        type Break = fn(&mut AddressInput);
        let cases: Vec<(Break, &str)> = vec![
            (|a| a.full_name = " ".into(), "Enter the full name."),
            (|a| a.line1 = "x".repeat(101), "The address line 1 is too long (100 characters at most)."),
            (|a| a.city = String::new(), "Enter the city."),
            (
                |a| a.postal_code = "<script>".into(),
                "The postal code may contain only letters, digits, spaces and hyphens.",
            ),
            (|a| a.country = "XX".into(), "Choose a country from the list."),
            (|a| a.phone = "call me".into(), "The phone number may contain only digits, spaces and + - ( ) ."),
            (|a| a.line2 = "a\u{0007}".into(), "The address line 2 contains characters we cannot print."),
        ];
        for (break_it, message) in cases {
            let mut a = input();
            break_it(&mut a);
            assert_eq!(a.validate().unwrap_err(), message);
        }
    }
}
