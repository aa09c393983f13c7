//! The retail database: products with their variants, users with their payment methods, and
//! orders. The shapes are τ²-bench's retail data model, field for field and in its order, so a
//! tool's JSON result is what that benchmark's tools return (optional order fields included,
//! as `null` until an action sets them).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The seeded database: a subset of τ²-bench's retail `db.json` (see the example's `README.md`).
pub const SEED_JSON: &str = include_str!("../data/db.json");

/// A JSON object whose members keep the order they were written in (τ²'s dictionaries:
/// products, users and orders by id, payment methods, variants, options).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dict<V>(pub Vec<(String, V)>);

impl<V> Dict<V> {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value under `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The values, in order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Serialize> Serialize for Dict<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Dict<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for Members<V> {
            type Value = Dict<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Dict<V>, A::Error> {
                let mut members: Vec<(String, V)> = Vec::new();
                while let Some((k, v)) = access.next_entry::<String, V>()? {
                    // A repeated key replaces the earlier value where it stood, as a Python
                    // dictionary built from the same JSON would.
                    match members.iter_mut().find(|(existing, _)| *existing == k) {
                        Some(slot) => slot.1 = v,
                        None => members.push((k, v)),
                    }
                }
                Ok(Dict(members))
            }
        }

        deserializer.deserialize_map(Members(PhantomData))
    }
}

/// A postal address (a user's default address, or where an order ships).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// First line, e.g. `123 Main St`.
    pub address1: String,
    /// Second line, e.g. `Apt 1`, or empty.
    pub address2: String,
    /// City.
    pub city: String,
    /// Country, e.g. `USA`.
    pub country: String,
    /// State, e.g. `CA`.
    pub state: String,
    /// Zip code.
    pub zip: String,
}

/// A user's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Name {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
}

/// A payment method of a user's profile: a credit card (`brand`, `last_four`), a gift card
/// (`balance`) or a PayPal account (neither).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethod {
    /// `credit_card`, `gift_card` or `paypal`.
    pub source: String,
    /// The method's id, e.g. `gift_card_7245904`.
    pub id: String,
    /// A card's brand, e.g. `visa`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// A card's last four digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_four: Option<String>,
    /// A gift card's balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
}

impl PaymentMethod {
    /// Whether it is a gift card.
    pub fn is_gift_card(&self) -> bool {
        self.source == "gift_card"
    }
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user id, e.g. `yusuf_rossi_9620`.
    pub user_id: String,
    /// Name.
    pub name: Name,
    /// Default address.
    pub address: Address,
    /// Email.
    pub email: String,
    /// Payment methods by id.
    pub payment_methods: Dict<PaymentMethod>,
    /// The user's order ids.
    pub orders: Vec<String>,
}

/// One variant (item) of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The item id: unrelated to product ids.
    pub item_id: String,
    /// Its options, e.g. `{"color": "blue", "size": "M"}`.
    pub options: Dict<String>,
    /// Whether it can be ordered now.
    pub available: bool,
    /// Its price.
    pub price: f64,
}

/// A product type and its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Name, e.g. `T-Shirt`.
    pub name: String,
    /// The product id.
    pub product_id: String,
    /// Variants by item id.
    pub variants: Dict<Variant>,
}

/// An item of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    /// The product's name.
    pub name: String,
    /// The product id.
    pub product_id: String,
    /// The variant's item id.
    pub item_id: String,
    /// The price paid.
    pub price: f64,
    /// The variant's options.
    pub options: Dict<String>,
}

/// A shipment of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fulfillment {
    /// Tracking ids.
    pub tracking_id: Vec<String>,
    /// The items shipped.
    pub item_ids: Vec<String>,
}

/// A payment or a refund of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// `payment` or `refund`.
    pub transaction_type: String,
    /// The amount.
    pub amount: f64,
    /// The payment method charged or refunded.
    pub payment_method_id: String,
}

/// An order. The fields after `payment_history` are set by the actions taken on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// The order id, `#W` and seven digits.
    pub order_id: String,
    /// Whose order it is.
    pub user_id: String,
    /// Where it ships.
    pub address: Address,
    /// The items.
    pub items: Vec<OrderItem>,
    /// `pending`, `pending (item modified)`, `processed`, `delivered`, `cancelled`,
    /// `exchange requested` or `return requested`.
    pub status: String,
    /// Shipments.
    pub fulfillments: Vec<Fulfillment>,
    /// Payments and refunds, in order.
    pub payment_history: Vec<Payment>,
    /// Why it was cancelled.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// The items to be exchanged.
    #[serde(default)]
    pub exchange_items: Option<Vec<String>>,
    /// The items they are exchanged for.
    #[serde(default)]
    pub exchange_new_items: Option<Vec<String>>,
    /// The payment method paying or receiving the exchange's price difference.
    #[serde(default)]
    pub exchange_payment_method_id: Option<String>,
    /// The exchange's price difference.
    #[serde(default)]
    pub exchange_price_difference: Option<f64>,
    /// The items to be returned.
    #[serde(default)]
    pub return_items: Option<Vec<String>>,
    /// The payment method receiving the refund of a return.
    #[serde(default)]
    pub return_payment_method_id: Option<String>,
}

/// Everything the tools read and change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Db {
    /// Products by product id. No tool changes them, so every session's copy of the
    /// database shares one catalogue.
    #[serde(with = "shared")]
    pub products: Arc<Dict<Product>>,
    /// Users by user id.
    pub users: Dict<User>,
    /// Orders by order id.
    pub orders: Dict<Order>,
}

/// (De)serializes an `Arc<T>` as the `T` it holds.
mod shared {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer, T: Serialize>(
        value: &Arc<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        T::serialize(value, serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Arc<T>, D::Error> {
        T::deserialize(deserializer).map(Arc::new)
    }
}

impl Db {
    /// The seeded database ([`SEED_JSON`]).
    pub fn seeded() -> Result<Db, serde_json::Error> {
        serde_json::from_str(SEED_JSON)
    }
}
