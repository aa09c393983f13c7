//! NorthLoop's records and rules, in memory: accounts, outages by address, credits applied,
//! technician visits booked, hand-offs to people. No IO; the server holds one [`Book`] behind
//! a lock.

use serde::Serialize;
use serde_json::{Value, json};

/// The visit windows a technician can be booked in.
pub const WINDOWS: [&str; 2] = ["10am–12pm ET", "2pm–4pm ET"];

/// The least outage, in minutes over the past 7 days, that earns a credit.
pub const CREDIT_THRESHOLD_MINUTES: u32 = 240;

/// The largest credit, in minutes of service.
pub const MAX_CREDIT_MINUTES: u64 = 60;

/// A customer account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// `NL-` and five digits.
    pub account_id: String,
    /// Given name, to greet the caller.
    pub first_name: String,
    /// The plan, e.g. `Fiber 500`.
    pub plan: String,
    /// Where the service is.
    pub service_address: String,
    /// The email on the account.
    pub email: String,
    /// The phone number on the account, digits only, without a country code.
    pub phone: String,
}

/// An outage at an address.
#[derive(Debug, Clone, Serialize)]
pub struct Outage {
    /// The address, as written on accounts.
    pub address: String,
    /// Minutes without service over the past 7 days.
    pub minutes_down_last_7_days: u32,
    /// When service should be back.
    pub eta: String,
}

/// A bill credit applied.
#[derive(Debug, Clone, Serialize)]
pub struct Credit {
    /// `CR-` and a number.
    pub credit_id: String,
    /// The account credited.
    pub account_id: String,
    /// Minutes of service credited.
    pub minutes: u64,
}

/// A technician visit booked.
#[derive(Debug, Clone, Serialize)]
pub struct Appointment {
    /// `TECH-` and a number.
    pub appointment_id: String,
    /// The account.
    pub account_id: String,
    /// One of [`WINDOWS`].
    pub window: String,
    /// The day of the visit.
    pub date: String,
}

/// A call handed to a person.
#[derive(Debug, Clone, Serialize)]
pub struct Handoff {
    /// `HO-` and a number.
    pub handoff_id: String,
    /// The gateway's session, so the person can find the call.
    pub session_id: String,
    /// The account, when the caller was verified.
    pub account_id: Option<String>,
    /// Why the call was escalated.
    pub reason: String,
}

/// Why a tool call was not carried out, and the HTTP status that says whose fault it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400 for bad arguments, 404 for an unknown account, 409 when a rule forbids it.
    pub status: u16,
    /// One sentence, for the model to hear.
    pub message: String,
}

impl Refusal {
    fn bad_arguments(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 400,
            message: message.into(),
        }
    }

    fn not_found(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 404,
            message: message.into(),
        }
    }

    fn conflict(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 409,
            message: message.into(),
        }
    }
}

/// Everything the tools read and change.
#[derive(Debug, Clone, Serialize)]
pub struct Book {
    /// Customer accounts.
    pub accounts: Vec<Account>,
    /// Outages, by address.
    pub outages: Vec<Outage>,
    /// Credits applied, in order.
    pub credits: Vec<Credit>,
    /// Visits booked, in order.
    pub appointments: Vec<Appointment>,
    /// Calls handed to people, in order.
    pub handoffs: Vec<Handoff>,
    #[serde(skip)]
    next_appointment: u32,
}

impl Book {
    /// The same data as the agent's fixtures, so its rehearsal script runs against the
    /// server unchanged: Alex (alex@example.com, 415 555 0123) at 12 Harbor Way, where an
    /// outage has lasted 310 minutes this week; and Jordan, whose address has no outage.
    pub fn seeded() -> Book {
        Book {
            accounts: vec![
                Account {
                    account_id: "NL-10482".to_owned(),
                    first_name: "Alex".to_owned(),
                    plan: "Fiber 500".to_owned(),
                    service_address: "12 Harbor Way, Portland".to_owned(),
                    email: "alex@example.com".to_owned(),
                    phone: "4155550123".to_owned(),
                },
                Account {
                    account_id: "NL-20931".to_owned(),
                    first_name: "Jordan".to_owned(),
                    plan: "Fiber 1000".to_owned(),
                    service_address: "48 Alder Street, Portland".to_owned(),
                    email: "jordan@example.com".to_owned(),
                    phone: "5035550188".to_owned(),
                },
            ],
            outages: vec![Outage {
                address: "12 Harbor Way, Portland".to_owned(),
                minutes_down_last_7_days: 310,
                eta: "6pm ET today".to_owned(),
            }],
            credits: Vec::new(),
            appointments: Vec::new(),
            handoffs: Vec::new(),
            next_appointment: 5521,
        }
    }

    /// Whether `tool` changes anything (and so is deduplicated by idempotency key); `None`
    /// for a tool NorthLoop does not have.
    pub fn is_write(tool: &str) -> Option<bool> {
        match tool {
            "lookup_account" | "check_outage" => Some(false),
            "refund_credit" | "schedule_technician" | "escalate_to_human" => Some(true),
            _ => None,
        }
    }

    /// Runs `tool` with `arguments` on behalf of `session_id`.
    pub fn call(
        &mut self,
        tool: &str,
        arguments: &Value,
        session_id: &str,
    ) -> Result<Value, Refusal> {
        let args = arguments
            .as_object()
            .ok_or_else(|| Refusal::bad_arguments("arguments must be a JSON object"))?;
        let arg = |name: &str| args.get(name);
        match tool {
            "lookup_account" => {
                self.lookup_account(text(arg("email_or_phone"), "email_or_phone", 1, 254)?)
            }
            "check_outage" => Ok(self.check_outage(text(arg("address"), "address", 5, 200)?)),
            "refund_credit" => {
                let account_id = account_id(arg("account_id"))?;
                let minutes = arg("minutes")
                    .and_then(Value::as_u64)
                    .filter(|m| (1..=MAX_CREDIT_MINUTES).contains(m))
                    .ok_or_else(|| {
                        Refusal::bad_arguments(format!(
                            "minutes must be a whole number from 1 to {MAX_CREDIT_MINUTES}"
                        ))
                    })?;
                self.refund_credit(account_id, minutes)
            }
            "schedule_technician" => {
                let account_id = account_id(arg("account_id"))?;
                let window = arg("window")
                    .and_then(Value::as_str)
                    .filter(|w| WINDOWS.contains(w))
                    .ok_or_else(|| {
                        Refusal::bad_arguments(format!(
                            "window must be one of {}",
                            WINDOWS.join(" or ")
                        ))
                    })?;
                self.schedule_technician(account_id, window)
            }
            "escalate_to_human" => {
                let reason = text(arg("reason"), "reason", 1, 200)?;
                let account_id = match arg("account_id") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) if s.trim().is_empty() => None,
                    Some(Value::String(s)) => Some(s.trim().to_owned()),
                    Some(_) => return Err(Refusal::bad_arguments("account_id must be a string")),
                };
                Ok(self.escalate(session_id, account_id, reason))
            }
            other => Err(Refusal::not_found(format!(
                "NorthLoop has no tool called `{other}`"
            ))),
        }
    }

    fn lookup_account(&self, email_or_phone: &str) -> Result<Value, Refusal> {
        let wanted = email_or_phone.trim();
        let found = if wanted.contains('@') {
            self.accounts
                .iter()
                .find(|a| a.email.eq_ignore_ascii_case(wanted))
        } else {
            let digits = phone_digits(wanted);
            self.accounts.iter().find(|a| a.phone == digits)
        };
        let account = found
            .ok_or_else(|| Refusal::not_found("No account matches that email or phone number."))?;
        Ok(json!({
            "account_id": account.account_id,
            "first_name": account.first_name,
            "plan": account.plan,
            "service_address": account.service_address,
        }))
    }

    fn outage_at(&self, address: &str) -> Option<&Outage> {
        let wanted = address_key(address);
        self.outages
            .iter()
            .find(|o| address_key(&o.address) == wanted)
    }

    fn check_outage(&self, address: &str) -> Value {
        match self.outage_at(address) {
            Some(outage) => json!({
                "outage": true,
                "minutes_down_last_7_days": outage.minutes_down_last_7_days,
                "eta": outage.eta,
            }),
            None => json!({"outage": false}),
        }
    }

    fn account(&self, account_id: &str) -> Result<&Account, Refusal> {
        self.accounts
            .iter()
            .find(|a| a.account_id == account_id)
            .ok_or_else(|| Refusal::not_found(format!("No account {account_id}.")))
    }

    fn refund_credit(&mut self, account_id: &str, minutes: u64) -> Result<Value, Refusal> {
        let account = self.account(account_id)?;
        let eligible = self
            .outage_at(&account.service_address)
            .is_some_and(|o| o.minutes_down_last_7_days > CREDIT_THRESHOLD_MINUTES);
        if !eligible {
            return Err(Refusal::conflict(format!(
                "No confirmed outage of more than {CREDIT_THRESHOLD_MINUTES} minutes in the past 7 days at this account's address; no credit applied."
            )));
        }
        if let Some(credit) = self.credits.iter().find(|c| c.account_id == account_id) {
            return Err(Refusal::conflict(format!(
                "This outage was already credited to the account ({}); no second credit applied.",
                credit.credit_id
            )));
        }
        let credit = Credit {
            credit_id: format!("CR-{:04}", self.credits.len() + 1),
            account_id: account_id.to_owned(),
            minutes,
        };
        let reply = json!({
            "status": "applied",
            "credit_minutes": minutes,
            "appears_on": "next bill",
            "credit_id": credit.credit_id,
        });
        self.credits.push(credit);
        Ok(reply)
    }

    fn schedule_technician(&mut self, account_id: &str, window: &str) -> Result<Value, Refusal> {
        let account = self.account(account_id)?;
        if self.outage_at(&account.service_address).is_some() {
            return Err(Refusal::conflict(
                "There is an active outage at this address; a technician cannot fix it. Share the outage status and ETA instead.",
            ));
        }
        if let Some(booked) = self
            .appointments
            .iter()
            .find(|a| a.account_id == account_id)
        {
            return Err(Refusal::conflict(format!(
                "A visit is already booked for this account ({}, {} {}).",
                booked.appointment_id, booked.date, booked.window
            )));
        }
        let appointment = Appointment {
            appointment_id: format!("TECH-{}", self.next_appointment),
            account_id: account_id.to_owned(),
            window: window.to_owned(),
            date: "tomorrow".to_owned(),
        };
        self.next_appointment += 1;
        let reply = json!({
            "status": "booked",
            "appointment_id": appointment.appointment_id,
            "window": appointment.window,
            "date": appointment.date,
        });
        self.appointments.push(appointment);
        Ok(reply)
    }

    fn escalate(&mut self, session_id: &str, account_id: Option<String>, reason: &str) -> Value {
        let handoff = Handoff {
            handoff_id: format!("HO-{:04}", self.handoffs.len() + 1),
            session_id: session_id.to_owned(),
            account_id,
            reason: reason.to_owned(),
        };
        let reply = json!({
            "status": "ok",
            "handoff_id": handoff.handoff_id,
            "message": "A specialist is joining the call.",
        });
        self.handoffs.push(handoff);
        reply
    }
}

/// A string argument of `min..=max` characters (after trimming).
fn text<'a>(
    value: Option<&'a Value>,
    name: &str,
    min: usize,
    max: usize,
) -> Result<&'a str, Refusal> {
    let s = value
        .and_then(Value::as_str)
        .map(str::trim)
        .ok_or_else(|| {
            Refusal::bad_arguments(format!("{name} is required and must be a string"))
        })?;
    let n = s.chars().count();
    if n < min || n > max {
        return Err(Refusal::bad_arguments(format!(
            "{name} must be {min} to {max} characters long"
        )));
    }
    Ok(s)
}

/// An `NL-` and five digits account id.
fn account_id(value: Option<&Value>) -> Result<&str, Refusal> {
    value
        .and_then(Value::as_str)
        .filter(|id| {
            id.strip_prefix("NL-")
                .is_some_and(|d| d.len() == 5 && d.bytes().all(|b| b.is_ascii_digit()))
        })
        .ok_or_else(|| {
            Refusal::bad_arguments(
                "account_id must be NL- and five digits, as lookup_account returned it",
            )
        })
}

/// The digits of a phone number, without a leading US country code.
fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix('1') {
        Some(rest) if digits.len() == 11 => rest.to_owned(),
        _ => digits,
    }
}

/// An address reduced to lowercase words, so "12 Harbor Way, Portland" and "12 harbor way
/// portland" are the same place.
fn address_key(address: &str) -> String {
    address
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_and_addresses_are_compared_loosely() {
        assert_eq!(phone_digits("+1 (415) 555-0123"), "4155550123");
        assert_eq!(phone_digits("415.555.0123"), "4155550123");
        assert_eq!(
            address_key("12  Harbor Way,Portland"),
            "12 harbor way portland"
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_400() {
        let mut book = Book::seeded();
        for (tool, args) in [
            ("lookup_account", json!({})),
            ("check_outage", json!({"address": "12"})),
            (
                "refund_credit",
                json!({"account_id": "NL-1", "minutes": 60}),
            ),
            (
                "refund_credit",
                json!({"account_id": "NL-10482", "minutes": 61}),
            ),
            (
                "schedule_technician",
                json!({"account_id": "NL-20931", "window": "noon"}),
            ),
            (
                "escalate_to_human",
                json!({"account_id": 7, "reason": "asked"}),
            ),
            ("lookup_account", json!(["alex@example.com"])),
        ] {
            let refusal = book.call(tool, &args, "s").expect_err("bad arguments");
            assert_eq!(refusal.status, 400, "{tool} {args}: {refusal:?}");
        }
    }

    #[test]
    fn a_technician_is_booked_once_and_not_during_an_outage() {
        let mut book = Book::seeded();
        let args = json!({"account_id": "NL-20931", "window": "10am–12pm ET"});
        let booked = book
            .call("schedule_technician", &args, "s")
            .expect("booked");
        assert_eq!(booked["appointment_id"], "TECH-5521");
        assert_eq!(
            book.call("schedule_technician", &args, "s")
                .map_err(|r| r.status),
            Err(409)
        );
        let during_outage = json!({"account_id": "NL-10482", "window": "2pm–4pm ET"});
        assert_eq!(
            book.call("schedule_technician", &during_outage, "s")
                .map_err(|r| r.status),
            Err(409)
        );
    }
}
