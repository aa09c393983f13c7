//! A supervisor's text reply is rewritten for speech by the guide's "Rephrase Supervisor"
//! rules: money naturally, phone numbers 3-3-4, addresses with individual digits, dates and
//! times plainly. Everything else is left as written.

use switchboard_speech::make_speakable;

fn check(table: &[(&str, &str)]) {
    for (written, said) in table {
        assert_eq!(make_speakable(written), *said, "{written}");
    }
}

#[test]
fn the_guides_example() {
    check(&[
        (
            "Your current credit card balance is positive at 32,323,232 AUD.",
            "Your current credit card balance is positive at thirty-two million three hundred \
             twenty-three thousand two hundred thirty-two dollars.",
        ),
        (
            "Your last payment was processed on August 1. Does that match what you expected?",
            "Your last payment was processed on August first. Does that match what you expected?",
        ),
        (
            "Your balance is $45.20.",
            "Your balance is forty-five dollars and twenty cents.",
        ),
        (
            "The technician arrives August 12 at 3:30 pm.",
            "The technician arrives August twelfth at three-thirty p.m.",
        ),
    ]);
}

#[test]
fn realistic_replies() {
    check(&[
        (
            "Account 88213 is past due: $120.50 was due on 2025-08-12. Call (415) 555-1234 to pay.",
            "Account eight eight two one three is past due: one hundred twenty dollars and fifty \
             cents was due on August twelfth, twenty twenty-five. Call four one five, five five \
             five, one two three four to pay.",
        ),
        (
            "I can do 10am–12pm ET or 2pm–4pm ET.",
            "I can do ten a.m. to twelve p.m. Eastern Time or two p.m. to four p.m. Eastern Time.",
        ),
        (
            "There's been an extended outage—adding a 60-minute bill credit now.",
            "There's been an extended outage—adding a sixty-minute bill credit now.",
        ),
        (
            "Confirmed outage > 240 minutes in the past 7 days; speeds under 10 Mbps.",
            "Confirmed outage > two hundred forty minutes in the past seven days; speeds under \
             ten megabits per second.",
        ),
        (
            "Your card ending in 4242 was charged $0.05 on 8/12/2025.",
            "Your card ending in four two four two was charged five cents on August twelfth, \
             twenty twenty-five.",
        ),
        (
            "Order ORD-8842-XK ships to 1234 Main St, San Francisco, CA 94103 by Aug 15th.",
            "Order O R D, eight eight four two, X K ships to one two three four Main St, San \
             Francisco, CA nine four one zero three by August fifteenth.",
        ),
        (
            "Your plan went up 12% in 2025, from $49.99 to $55.99 a month.",
            "Your plan went up twelve percent in twenty twenty-five, from forty-nine dollars and \
             ninety-nine cents to fifty-five dollars and ninety-nine cents a month.",
        ),
        (
            "Refunds take 3-5 business days; the 1st refund posted at 09:15.",
            "Refunds take three to five business days; the first refund posted at nine-fifteen \
             a.m.",
        ),
        (
            "Call +1 415 555 1234 or 1-800-555-0199, ext. 12.",
            "Call plus one, four one five, five five five, one two three four or one, eight zero \
             zero, five five five, zero one nine nine, ext. one two.",
        ),
        (
            "Your confirmation code is 0042 and the ticket is #12345.",
            "Your confirmation code is zero zero four two and the ticket is number one two three \
             four five.",
        ),
        (
            "We refunded €1,200 and £0.50; the fee was -$5.",
            "We refunded one thousand two hundred euros and fifty pence; the fee was minus five \
             dollars.",
        ),
        (
            "The 12 August 2025 visit is at 15:30.",
            "The August twelfth, twenty twenty-five visit is at three-thirty p.m.",
        ),
        (
            "Your number is 4155551234.",
            "Your number is four one five, five five five, one two three four.",
        ),
    ]);
}

#[test]
fn numbers_by_kind() {
    check(&[
        (
            "It was 1,250 in total.",
            "It was one thousand two hundred fifty in total.",
        ),
        ("Pi is 3.14.", "Pi is three point one four."),
        ("It fell to -3.", "It fell to minus three."),
        ("Route 66 and 5-3", "Route sixty-six and five to three"),
        (
            "Since 1999 and until 2030.",
            "Since nineteen ninety-nine and until twenty thirty.",
        ),
        (
            "We have 1500 seats.",
            "We have one thousand five hundred seats.",
        ),
        ("From 2019-2020.", "From twenty nineteen to twenty twenty."),
        (
            "In the 1990s and '90s.",
            "In the nineteen nineties and nineties.",
        ),
        (
            "The 21st and 112th.",
            "The twenty-first and one hundred twelfth.",
        ),
        (
            "Use 5GB, 2 hrs or 1 min.",
            "Use five gigabytes, two hours or one minute.",
        ),
        ("Upgrade to 4G or 5G.", "Upgrade to four G or five G."),
        ("Agent 007 here.", "Agent zero zero seven here."),
        (
            "Card 4111 1111 1111 1111.",
            "Card four one one one, one one one one, one one one one, one one one one.",
        ),
        (
            "ZIP 94103-1234.",
            "ZIP nine four one zero three, one two three four.",
        ),
        ("At 3pm. Then 4 p.m.", "At three p.m. Then four p.m."),
        ("Flat 221B Baker Street", "Flat two two one B Baker Street"),
        (
            "Raised $1.5 million.",
            "Raised one point five million dollars.",
        ),
    ]);
}

#[test]
fn glued_tokens_links_and_emails_are_left_alone() {
    check(&[
        (
            "Write to jo.smith42@example.com today.",
            "Write to jo.smith42@example.com today.",
        ),
        (
            "See https://example.com/a1?x=5.",
            "See https://example.com/a1?x=5.",
        ),
        ("Visit www.example2.com now", "Visit www.example2.com now"),
        (
            "Version 1.2.3 at 192.168.0.1",
            "Version 1.2.3 at 192.168.0.1",
        ),
        ("Open 24/7, ratio 3:1.", "Open 24/7, ratio 3:1."),
        ("v2.5 is out", "v2.5 is out"),
    ]);
}
