//! How a payment divides between sellers and the platform, and how a refund divides between
//! the seller's transfer and the platform's fee. All amounts are integer minor units (cents).
//!
//! Rounding, stated once:
//! - **Fee**: a seller's share of their subtotal is `subtotal × (10000 − fee_bps) / 10000`
//!   rounded down; the fee is the rest, so the platform keeps the remainder cent and
//!   share + fee = subtotal exactly.
//! - **Refunds**: after refunds totalling `r` of a subtotal `s`, the platform has given back
//!   `fee × r / s` of its fee, rounded down; each refund's fee part is the difference between
//!   that figure after and before it, and the rest of the refund is reversed from the seller's
//!   transfer. A partial refund may therefore take the rounding cent from the seller; the
//!   last refund evens it out, and a full refund always gives back exactly the fee and exactly
//!   the transfer.

use serde::{Deserialize, Serialize};

/// A platform fee in basis points (500 = 5%), 0 to 10,000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeBps(u16);

impl FeeBps {
    pub const DEFAULT: FeeBps = FeeBps(500);

    pub fn new(bps: u16) -> Option<Self> {
        (bps <= 10_000).then_some(Self(bps))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// A seller's subtotal divided: what is transferred to them and what the platform keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub transfer_cents: i64,
    pub fee_cents: i64,
}

pub fn split(subtotal_cents: i64, fee: FeeBps) -> Split {
    let share = i128::from(subtotal_cents) * i128::from(10_000 - fee.get()) / 10_000;
    // The share is at most the subtotal, so it fits back into i64.
    let transfer_cents = i64::try_from(share).unwrap_or(subtotal_cents);
    Split { transfer_cents, fee_cents: subtotal_cents - transfer_cents }
}

/// One refund's parts: `amount = fee_refund + reversal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundParts {
    pub amount_cents: i64,
    pub fee_refund_cents: i64,
    pub reversal_cents: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("A refund must be at least 0.01.")]
    NotPositive,
    #[error("At most {left_cents} cents are left to refund on this order.")]
    MoreThanLeft { left_cents: i64 },
}

/// The fee given back once refunds total `refunded` of `subtotal`.
fn fee_refunded_after(subtotal_cents: i64, fee_cents: i64, refunded_cents: i64) -> i64 {
    if subtotal_cents <= 0 {
        return 0;
    }
    let part = i128::from(fee_cents) * i128::from(refunded_cents) / i128::from(subtotal_cents);
    i64::try_from(part).unwrap_or(fee_cents)
}

/// Divides a refund of `amount` from an order with `subtotal` and `fee`, of which
/// `refunded_before` was already refunded.
pub fn refund_parts(
    subtotal_cents: i64,
    fee_cents: i64,
    refunded_before_cents: i64,
    amount_cents: i64,
) -> Result<RefundParts, RefundError> {
    if amount_cents <= 0 {
        return Err(RefundError::NotPositive);
    }
    let left_cents = subtotal_cents - refunded_before_cents;
    if amount_cents > left_cents {
        return Err(RefundError::MoreThanLeft { left_cents });
    }
    let before = fee_refunded_after(subtotal_cents, fee_cents, refunded_before_cents);
    let after = fee_refunded_after(subtotal_cents, fee_cents, refunded_before_cents + amount_cents);
    let fee_refund_cents = after - before;
    Ok(RefundParts { amount_cents, fee_refund_cents, reversal_cents: amount_cents - fee_refund_cents })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn five_percent_keeps_the_remainder_cent() {
        // 5% of 19.99 is 0.9995: the seller gets 18.99 (18.9905 rounded down), the platform 1.00.
        assert_eq!(split(1999, FeeBps::DEFAULT), Split { transfer_cents: 1899, fee_cents: 100 });
        assert_eq!(split(1, FeeBps::DEFAULT), Split { transfer_cents: 0, fee_cents: 1 });
        assert_eq!(split(2000, FeeBps::DEFAULT), Split { transfer_cents: 1900, fee_cents: 100 });
        assert_eq!(split(1000, FeeBps::new(0).unwrap()), Split { transfer_cents: 1000, fee_cents: 0 });
        assert_eq!(split(1000, FeeBps::new(10_000).unwrap()), Split { transfer_cents: 0, fee_cents: 1000 });
        assert_eq!(FeeBps::new(10_001), None);
    }

    #[test]
    fn refunds_divide_in_proportion_and_even_out_at_the_end() {
        // Subtotal 10.00, fee 0.50: a third refunded, then the rest.
        let first = refund_parts(1000, 50, 0, 333).unwrap();
        assert_eq!(first, RefundParts { amount_cents: 333, fee_refund_cents: 16, reversal_cents: 317 });
        let rest = refund_parts(1000, 50, 333, 667).unwrap();
        assert_eq!(rest.fee_refund_cents + first.fee_refund_cents, 50);
        assert_eq!(rest.reversal_cents + first.reversal_cents, 950);
        assert_eq!(refund_parts(1000, 50, 333, 668), Err(RefundError::MoreThanLeft { left_cents: 667 }));
        assert_eq!(refund_parts(1000, 50, 0, 0), Err(RefundError::NotPositive));
        assert_eq!(refund_parts(1000, 50, 0, -5), Err(RefundError::NotPositive));
        assert_eq!(refund_parts(1000, 50, 1000, 1), Err(RefundError::MoreThanLeft { left_cents: 0 }));
    }

    /// A random cart: per seller, lines of (unit price 1 cent to $10,000, quantity 1–10).
    fn carts() -> impl Strategy<Value = Vec<Vec<(i64, i64)>>> {
        prop::collection::vec(prop::collection::vec((1i64..=1_000_000, 1i64..=10), 1..=10), 1..=6)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// The buyer's total is the sellers' transfers plus the platform's fees, to the cent;
        /// after any sequence of partial refunds, what was reversed and what stays transferred,
        /// what the platform gave back and what it kept, add up to the payment exactly.
        #[test]
        fn money_reconciles(cart in carts(), bps in 0u16..=10_000, cuts in prop::collection::vec(1u32..=100, 0..8)) {
            let fee = FeeBps::new(bps).unwrap();
            let subtotals: Vec<i64> = cart.iter().map(|lines| lines.iter().map(|(p, q)| p * q).sum()).collect();
            let total: i64 = subtotals.iter().sum();
            let splits: Vec<Split> = subtotals.iter().map(|s| split(*s, fee)).collect();
            prop_assert_eq!(total, splits.iter().map(|s| s.transfer_cents + s.fee_cents).sum::<i64>());
            for s in &splits {
                prop_assert!(s.transfer_cents >= 0 && s.fee_cents >= 0);
            }

            let mut refunded_total = 0i64;
            for (n, (subtotal, s)) in subtotals.iter().zip(&splits).enumerate() {
                // Refunds of random percentages of what is left, for this seller's order.
                let (mut refunded, mut fee_back, mut reversed) = (0i64, 0i64, 0i64);
                for cut in cuts.iter().skip(n % 2) {
                    let left = subtotal - refunded;
                    if left == 0 { break; }
                    let amount = (left * i64::from(*cut) / 100).max(1);
                    let parts = refund_parts(*subtotal, s.fee_cents, refunded, amount).unwrap();
                    prop_assert_eq!(parts.amount_cents, parts.fee_refund_cents + parts.reversal_cents);
                    prop_assert!(parts.fee_refund_cents >= 0 && parts.reversal_cents >= 0);
                    refunded += amount;
                    fee_back += parts.fee_refund_cents;
                    reversed += parts.reversal_cents;
                    prop_assert!(fee_back <= s.fee_cents && reversed <= s.transfer_cents);
                }
                // The transfer still with the seller and the fee still with the platform, plus
                // what went back to the buyer, is what this seller's part of the payment was.
                let kept_transfer = s.transfer_cents - reversed;
                let kept_fee = s.fee_cents - fee_back;
                prop_assert_eq!(kept_transfer + kept_fee + refunded, *subtotal);
                prop_assert_eq!(refunded, fee_back + reversed);
                if refunded == *subtotal {
                    prop_assert_eq!((fee_back, reversed), (s.fee_cents, s.transfer_cents));
                }
                // Nothing more can be refunded than what is left.
                prop_assert!(refund_parts(*subtotal, s.fee_cents, refunded, subtotal - refunded + 1).is_err());
                refunded_total += refunded;
            }
            prop_assert!(refunded_total <= total);
        }
    }
}
