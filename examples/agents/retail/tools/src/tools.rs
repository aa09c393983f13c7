//! The retail tools over one [`Db`]: the same checks, in the same order, with the same
//! messages and the same results as τ²-bench's retail tools. No IO; the server keeps one
//! database per session behind a lock.
//!
//! Where the benchmark's code changes part of the database before it finds a problem (a
//! refund to a payment method that is no longer on the profile), these tools check
//! everything first and change nothing on an error.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::calc;
use crate::db::{Address, Db, Order, Payment, PaymentMethod, Product, User, Variant};

/// Every tool, in the benchmark's order: `(name, whether it changes the database)`.
pub const TOOLS: [(&str, bool); 16] = [
    ("calculate", false),
    ("cancel_pending_order", true),
    ("exchange_delivered_order_items", true),
    ("find_user_id_by_name_zip", false),
    ("find_user_id_by_email", false),
    ("get_order_details", false),
    ("get_product_details", false),
    ("get_item_details", false),
    ("get_user_details", false),
    ("list_all_product_types", false),
    ("modify_pending_order_address", true),
    ("modify_pending_order_items", true),
    ("modify_pending_order_payment", true),
    ("modify_user_address", true),
    ("return_delivered_order_items", true),
    // Changes nothing in the database, but records the hand-off once per call.
    ("transfer_to_human_agents", true),
];

/// The reasons a pending order may be cancelled for.
pub const CANCEL_REASONS: [&str; 2] = ["no longer needed", "ordered by mistake"];

/// Whether `tool` changes anything (and so is deduplicated by idempotency key); `None` for a
/// tool the retail domain does not have.
pub fn is_write(tool: &str) -> Option<bool> {
    TOOLS
        .iter()
        .find(|(name, _)| *name == tool)
        .map(|(_, write)| *write)
}

/// Why a call was not carried out, and the HTTP status that says what kind of problem it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolError {
    /// 400 for arguments that are not the tool's, 404 for an id that names nothing, 409 for
    /// an action the data does not allow.
    pub status: u16,
    /// The benchmark's message (or, for arguments, ours).
    pub message: String,
}

impl ToolError {
    fn bad_arguments(message: impl Into<String>) -> ToolError {
        ToolError {
            status: 400,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> ToolError {
        ToolError {
            status: 404,
            message: message.into(),
        }
    }

    fn conflict(message: impl Into<String>) -> ToolError {
        ToolError {
            status: 409,
            message: message.into(),
        }
    }
}

type Outcome = Result<Value, ToolError>;

fn arguments<T: DeserializeOwned>(tool: &str, arguments: &Value) -> Result<T, ToolError> {
    let arguments = match arguments {
        // A tool without parameters may be sent no arguments at all.
        Value::Null => Value::Object(Map::new()),
        Value::Object(_) => arguments.clone(),
        _ => {
            return Err(ToolError::bad_arguments(format!(
                "`{tool}`: the arguments must be a JSON object"
            )));
        }
    };
    serde_json::from_value(arguments)
        .map_err(|e| ToolError::bad_arguments(format!("`{tool}`: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Outcome {
    serde_json::to_value(value).map_err(|e| ToolError {
        status: 500,
        message: format!("the result could not be written: {e}"),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expression {
    expression: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Email {
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameZip {
    first_name: String,
    last_name: String,
    zip: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderId {
    order_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductId {
    product_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemId {
    item_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserId {
    user_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArguments {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cancel {
    order_id: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeItems {
    order_id: String,
    item_ids: Vec<String>,
    new_item_ids: Vec<String>,
    payment_method_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangePayment {
    order_id: String,
    payment_method_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderAddress {
    order_id: String,
    address1: String,
    address2: String,
    city: String,
    state: String,
    country: String,
    zip: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserAddress {
    user_id: String,
    address1: String,
    address2: String,
    city: String,
    state: String,
    country: String,
    zip: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Return {
    order_id: String,
    item_ids: Vec<String>,
    payment_method_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Summary {
    summary: String,
}

impl Db {
    /// Runs `tool` with `args`. `transfer_to_human_agents` is answered here and recorded by
    /// the server.
    pub fn call(&mut self, tool: &str, args: &Value) -> Outcome {
        match tool {
            "calculate" => {
                let a: Expression = arguments(tool, args)?;
                calc::calculate(&a.expression)
                    .map(Value::String)
                    .map_err(ToolError::bad_arguments)
            }
            "find_user_id_by_email" => {
                let a: Email = arguments(tool, args)?;
                self.find_user_id_by_email(&a.email)
            }
            "find_user_id_by_name_zip" => {
                let a: NameZip = arguments(tool, args)?;
                self.find_user_id_by_name_zip(&a.first_name, &a.last_name, &a.zip)
            }
            "get_order_details" => {
                let a: OrderId = arguments(tool, args)?;
                to_json(self.order(&a.order_id)?)
            }
            "get_product_details" => {
                let a: ProductId = arguments(tool, args)?;
                to_json(self.product(&a.product_id)?)
            }
            "get_item_details" => {
                let a: ItemId = arguments(tool, args)?;
                to_json(self.item(&a.item_id)?)
            }
            "get_user_details" => {
                let a: UserId = arguments(tool, args)?;
                to_json(self.user(&a.user_id)?)
            }
            "list_all_product_types" => {
                let _: NoArguments = arguments(tool, args)?;
                Ok(self.list_all_product_types())
            }
            "cancel_pending_order" => {
                let a: Cancel = arguments(tool, args)?;
                self.cancel_pending_order(&a.order_id, &a.reason)
            }
            "exchange_delivered_order_items" => {
                let a: ChangeItems = arguments(tool, args)?;
                self.exchange_delivered_order_items(
                    &a.order_id,
                    &a.item_ids,
                    &a.new_item_ids,
                    &a.payment_method_id,
                )
            }
            "modify_pending_order_items" => {
                let a: ChangeItems = arguments(tool, args)?;
                self.modify_pending_order_items(
                    &a.order_id,
                    &a.item_ids,
                    &a.new_item_ids,
                    &a.payment_method_id,
                )
            }
            "modify_pending_order_payment" => {
                let a: ChangePayment = arguments(tool, args)?;
                self.modify_pending_order_payment(&a.order_id, &a.payment_method_id)
            }
            "modify_pending_order_address" => {
                let a: OrderAddress = arguments(tool, args)?;
                let address = Address {
                    address1: a.address1,
                    address2: a.address2,
                    city: a.city,
                    country: a.country,
                    state: a.state,
                    zip: a.zip,
                };
                self.modify_pending_order_address(&a.order_id, address)
            }
            "modify_user_address" => {
                let a: UserAddress = arguments(tool, args)?;
                let address = Address {
                    address1: a.address1,
                    address2: a.address2,
                    city: a.city,
                    country: a.country,
                    state: a.state,
                    zip: a.zip,
                };
                self.modify_user_address(&a.user_id, address)
            }
            "return_delivered_order_items" => {
                let a: Return = arguments(tool, args)?;
                self.return_delivered_order_items(&a.order_id, &a.item_ids, &a.payment_method_id)
            }
            "transfer_to_human_agents" => {
                // Any summary will do; the server records it with the hand-off.
                let Summary { summary: _summary } = arguments(tool, args)?;
                Ok(json!("Transfer successful"))
            }
            other => Err(ToolError::not_found(format!(
                "the retail domain has no tool called `{other}`"
            ))),
        }
    }

    fn order(&self, order_id: &str) -> Result<&Order, ToolError> {
        self.orders
            .get(order_id)
            .ok_or_else(|| ToolError::not_found("Order not found"))
    }

    fn order_mut(&mut self, order_id: &str) -> Result<&mut Order, ToolError> {
        self.orders
            .get_mut(order_id)
            .ok_or_else(|| ToolError::not_found("Order not found"))
    }

    fn user(&self, user_id: &str) -> Result<&User, ToolError> {
        self.users
            .get(user_id)
            .ok_or_else(|| ToolError::not_found("User not found"))
    }

    fn product(&self, product_id: &str) -> Result<&Product, ToolError> {
        self.products
            .get(product_id)
            .ok_or_else(|| ToolError::not_found("Product not found"))
    }

    fn item(&self, item_id: &str) -> Result<&Variant, ToolError> {
        self.products
            .values()
            .find_map(|p| p.variants.get(item_id))
            .ok_or_else(|| ToolError::not_found("Item not found"))
    }

    fn variant(&self, product_id: &str, item_id: &str) -> Result<&Variant, ToolError> {
        self.product(product_id)?
            .variants
            .get(item_id)
            .ok_or_else(|| ToolError::not_found("Variant not found"))
    }

    fn payment_method(
        &self,
        user_id: &str,
        payment_method_id: &str,
    ) -> Result<&PaymentMethod, ToolError> {
        self.user(user_id)?
            .payment_methods
            .get(payment_method_id)
            .ok_or_else(|| ToolError::not_found("Payment method not found"))
    }

    /// Adds `amount` to a gift card's balance (a negative amount takes it off), rounded to
    /// cents; other methods are left alone.
    fn credit_gift_card(&mut self, user_id: &str, payment_method_id: &str, amount: f64) {
        let method = self
            .users
            .get_mut(user_id)
            .and_then(|u| u.payment_methods.get_mut(payment_method_id));
        if let Some(method) = method
            && method.is_gift_card()
        {
            let balance = method.balance.unwrap_or(0.0) + amount;
            method.balance = Some(calc::round2(balance));
        }
    }

    fn find_user_id_by_email(&self, email: &str) -> Outcome {
        let wanted = email.to_lowercase();
        self.users
            .iter()
            .find(|(_, u)| u.email.to_lowercase() == wanted)
            .map(|(id, _)| json!(id))
            .ok_or_else(|| ToolError::not_found("User not found"))
    }

    fn find_user_id_by_name_zip(&self, first_name: &str, last_name: &str, zip: &str) -> Outcome {
        let (first, last) = (first_name.to_lowercase(), last_name.to_lowercase());
        self.users
            .iter()
            .find(|(_, u)| {
                u.name.first_name.to_lowercase() == first
                    && u.name.last_name.to_lowercase() == last
                    && u.address.zip == zip
            })
            .map(|(id, _)| json!(id))
            .ok_or_else(|| ToolError::not_found("User not found"))
    }

    /// Product names and ids, sorted by name. (The benchmark returns this object as JSON
    /// text; it is given here as the object that text holds.)
    fn list_all_product_types(&self) -> Value {
        let mut names: Vec<(&str, &str)> = Vec::new();
        for product in self.products.values() {
            match names.iter_mut().find(|(name, _)| *name == product.name) {
                Some(slot) => slot.1 = &product.product_id,
                None => names.push((&product.name, &product.product_id)),
            }
        }
        names.sort_by(|a, b| a.0.cmp(b.0));
        Value::Object(
            names
                .into_iter()
                .map(|(name, id)| (name.to_owned(), json!(id)))
                .collect(),
        )
    }

    fn cancel_pending_order(&mut self, order_id: &str, reason: &str) -> Outcome {
        let order = self.order(order_id)?;
        if order.status != "pending" {
            return Err(ToolError::conflict("Non-pending order cannot be cancelled"));
        }
        if !CANCEL_REASONS.contains(&reason) {
            return Err(ToolError::bad_arguments("Invalid reason"));
        }
        let user_id = order.user_id.clone();
        let refunds: Vec<Payment> = order
            .payment_history
            .iter()
            .map(|p| Payment {
                transaction_type: "refund".to_owned(),
                amount: p.amount,
                payment_method_id: p.payment_method_id.clone(),
            })
            .collect();
        for refund in &refunds {
            self.payment_method(&user_id, &refund.payment_method_id)?;
        }
        // Refunds to a gift card are immediate.
        for refund in &refunds {
            self.credit_gift_card(&user_id, &refund.payment_method_id, refund.amount);
        }
        let order = self.order_mut(order_id)?;
        order.status = "cancelled".to_owned();
        order.cancel_reason = Some(reason.to_owned());
        order.payment_history.extend(refunds);
        to_json(order)
    }

    /// Checks that each of `item_ids` is in the order as many times as it is listed.
    fn check_items_in_order(
        order: &Order,
        item_ids: &[String],
        missing: impl Fn(&str) -> String,
    ) -> Result<(), ToolError> {
        for item_id in item_ids {
            let wanted = item_ids.iter().filter(|i| *i == item_id).count();
            let held = order.items.iter().filter(|i| i.item_id == *item_id).count();
            if wanted > held {
                return Err(ToolError::conflict(missing(item_id)));
            }
        }
        Ok(())
    }

    fn exchange_delivered_order_items(
        &mut self,
        order_id: &str,
        item_ids: &[String],
        new_item_ids: &[String],
        payment_method_id: &str,
    ) -> Outcome {
        let order = self.order(order_id)?;
        if order.status != "delivered" {
            return Err(ToolError::conflict(
                "Non-delivered order cannot be exchanged",
            ));
        }
        Self::check_items_in_order(order, item_ids, |id| format!("Number of {id} not found."))?;
        if item_ids.len() != new_item_ids.len() {
            return Err(ToolError::bad_arguments(
                "The number of items to be exchanged should match.",
            ));
        }
        let mut difference = 0.0;
        for (item_id, new_item_id) in item_ids.iter().zip(new_item_ids) {
            let item = order
                .items
                .iter()
                .find(|i| i.item_id == *item_id)
                .ok_or_else(|| ToolError::conflict(format!("Item {item_id} not found")))?;
            let variant = self.variant(&item.product_id, new_item_id)?;
            if !variant.available {
                return Err(ToolError::conflict(format!(
                    "New item {new_item_id} not found or available"
                )));
            }
            difference += variant.price - item.price;
        }
        let difference = calc::round2(difference);
        let method = self.payment_method(&order.user_id, payment_method_id)?;
        if method.is_gift_card() && method.balance.unwrap_or(0.0) < difference {
            return Err(ToolError::conflict(
                "Insufficient gift card balance to pay for the price difference",
            ));
        }
        let order = self.order_mut(order_id)?;
        order.status = "exchange requested".to_owned();
        order.exchange_items = Some(sorted(item_ids));
        order.exchange_new_items = Some(sorted(new_item_ids));
        order.exchange_payment_method_id = Some(payment_method_id.to_owned());
        order.exchange_price_difference = Some(difference);
        to_json(order)
    }

    fn modify_pending_order_items(
        &mut self,
        order_id: &str,
        item_ids: &[String],
        new_item_ids: &[String],
        payment_method_id: &str,
    ) -> Outcome {
        let order = self.order(order_id)?;
        if order.status != "pending" {
            return Err(ToolError::conflict("Non-pending order cannot be modified"));
        }
        Self::check_items_in_order(order, item_ids, |id| format!("{id} not found"))?;
        if item_ids.len() != new_item_ids.len() {
            return Err(ToolError::bad_arguments(
                "The number of items to be exchanged should match",
            ));
        }
        let mut difference = 0.0;
        let mut last_variant: Option<Variant> = None;
        for (item_id, new_item_id) in item_ids.iter().zip(new_item_ids) {
            if item_id == new_item_id {
                return Err(ToolError::bad_arguments(
                    "The new item id should be different from the old item id",
                ));
            }
            let item = order
                .items
                .iter()
                .find(|i| i.item_id == *item_id)
                .ok_or_else(|| ToolError::conflict(format!("Item {item_id} not found")))?;
            let variant = self.variant(&item.product_id, new_item_id)?;
            if !variant.available {
                return Err(ToolError::conflict(format!(
                    "New item {new_item_id} not found or available"
                )));
            }
            difference += variant.price - item.price;
            last_variant = Some(variant.clone());
        }
        let user_id = order.user_id.clone();
        let method = self.payment_method(&user_id, payment_method_id)?;
        if method.is_gift_card() && method.balance.unwrap_or(0.0) < difference {
            return Err(ToolError::conflict(
                "Insufficient gift card balance to pay for the new item",
            ));
        }
        self.credit_gift_card(&user_id, payment_method_id, -difference);
        let order = self.order_mut(order_id)?;
        order.payment_history.push(Payment {
            transaction_type: if difference > 0.0 {
                "payment"
            } else {
                "refund"
            }
            .to_owned(),
            amount: difference.abs(),
            payment_method_id: payment_method_id.to_owned(),
        });
        for (item_id, new_item_id) in item_ids.iter().zip(new_item_ids) {
            if let Some(item) = order.items.iter_mut().find(|i| i.item_id == *item_id) {
                item.item_id = new_item_id.clone();
                // As in the benchmark, every changed item takes the price and options of the
                // last new variant checked (the same variant when one item changes), so the
                // database ends as the benchmark's does.
                if let Some(variant) = &last_variant {
                    item.price = variant.price;
                    item.options = variant.options.clone();
                }
            }
        }
        order.status = "pending (item modified)".to_owned();
        to_json(order)
    }

    fn modify_pending_order_payment(&mut self, order_id: &str, payment_method_id: &str) -> Outcome {
        let order = self.order(order_id)?;
        if !order.status.contains("pending") {
            return Err(ToolError::conflict("Non-pending order cannot be modified"));
        }
        let user_id = order.user_id.clone();
        let method = self.payment_method(&user_id, payment_method_id)?;
        let [original] = order.payment_history.as_slice() else {
            return Err(ToolError::conflict(
                "There should be exactly one payment for a pending order",
            ));
        };
        if original.transaction_type != "payment" {
            return Err(ToolError::conflict(
                "There should be exactly one payment for a pending order",
            ));
        }
        if original.payment_method_id == payment_method_id {
            return Err(ToolError::conflict(
                "The new payment method should be different from the current one",
            ));
        }
        let amount = original.amount;
        if method.is_gift_card() && method.balance.unwrap_or(0.0) < amount {
            return Err(ToolError::conflict(
                "Insufficient gift card balance to pay for the order",
            ));
        }
        let original_id = original.payment_method_id.clone();
        self.payment_method(&user_id, &original_id)?;
        self.credit_gift_card(&user_id, payment_method_id, -amount);
        self.credit_gift_card(&user_id, &original_id, amount);
        let order = self.order_mut(order_id)?;
        order.payment_history.push(Payment {
            transaction_type: "payment".to_owned(),
            amount,
            payment_method_id: payment_method_id.to_owned(),
        });
        order.payment_history.push(Payment {
            transaction_type: "refund".to_owned(),
            amount,
            payment_method_id: original_id,
        });
        to_json(order)
    }

    fn modify_pending_order_address(&mut self, order_id: &str, address: Address) -> Outcome {
        let order = self.order_mut(order_id)?;
        if !order.status.contains("pending") {
            return Err(ToolError::conflict("Non-pending order cannot be modified"));
        }
        order.address = address;
        to_json(order)
    }

    fn modify_user_address(&mut self, user_id: &str, address: Address) -> Outcome {
        let user = self
            .users
            .get_mut(user_id)
            .ok_or_else(|| ToolError::not_found("User not found"))?;
        user.address = address;
        to_json(user)
    }

    fn return_delivered_order_items(
        &mut self,
        order_id: &str,
        item_ids: &[String],
        payment_method_id: &str,
    ) -> Outcome {
        let order = self.order(order_id)?;
        if order.status != "delivered" {
            return Err(ToolError::conflict(
                "Non-delivered order cannot be returned",
            ));
        }
        let method = self.payment_method(&order.user_id, payment_method_id)?;
        let original = order
            .payment_history
            .first()
            .ok_or_else(|| ToolError::conflict("The order has no payment to refund"))?;
        if !method.is_gift_card() && payment_method_id != original.payment_method_id {
            return Err(ToolError::conflict(
                "Payment method should be the original payment method",
            ));
        }
        Self::check_items_in_order(order, item_ids, |_| "Some item not found".to_owned())?;
        let order = self.order_mut(order_id)?;
        order.status = "return requested".to_owned();
        order.return_items = Some(sorted(item_ids));
        order.return_payment_method_id = Some(payment_method_id.to_owned());
        to_json(order)
    }
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_loads_and_is_consistent() {
        let db = Db::seeded().expect("the seed parses");
        assert_eq!(db.products.len(), 50);
        for (id, order) in db.orders.iter() {
            let user = db.users.get(&order.user_id).expect("the order's user");
            assert!(user.orders.iter().any(|o| o == id), "{id}");
            for payment in &order.payment_history {
                assert!(
                    user.payment_methods
                        .get(&payment.payment_method_id)
                        .is_some(),
                    "{id}"
                );
            }
        }
        for user in db.users.values() {
            for order in &user.orders {
                assert_eq!(
                    db.orders.get(order).map(|o| &o.user_id),
                    Some(&user.user_id)
                );
            }
        }
    }

    #[test]
    fn every_tool_is_known() {
        let mut db = Db::seeded().expect("the seed parses");
        for (tool, _) in TOOLS {
            let result = db.call(tool, &json!({"unexpected": 1}));
            assert_eq!(result.map_err(|e| e.status), Err(400), "{tool}");
        }
        assert_eq!(
            db.call("drop_tables", &json!({})).map_err(|e| e.status),
            Err(404)
        );
        assert_eq!(is_write("get_user_details"), Some(false));
        assert_eq!(is_write("cancel_pending_order"), Some(true));
        assert_eq!(is_write("drop_tables"), None);
    }
}
