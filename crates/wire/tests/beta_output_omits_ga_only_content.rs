//! A beta caller never receives what beta cannot represent: MCP items and image parts.

use serde_json::{Value, json};
use switchboard_wire::{ServerEvent, beta};

fn server(value: Value) -> ServerEvent {
    ServerEvent::from_value(value).expect("a valid GA server event")
}

#[test]
fn events_about_mcp_items_are_not_sent() {
    let added = server(json!({
        "type": "conversation.item.added", "event_id": "event_1", "previous_item_id": null,
        "item": {"type": "mcp_call", "id": "item_m", "server_label": "crm", "name": "find",
                 "arguments": "{}"}
    }));
    assert_eq!(beta::server_event_to_value(&added), None);
}

#[test]
fn image_parts_are_left_out_of_beta_items() {
    let added = server(json!({
        "type": "conversation.item.added", "event_id": "event_2",
        "item": {"type": "message", "id": "item_u", "role": "user", "content": [
            {"type": "input_text", "text": "Is this my router?"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}
        ]}
    }));
    let written = beta::server_event_to_value(&added).expect("beta has item.created");
    assert_eq!(written["type"], "conversation.item.created");
    assert_eq!(
        written["item"]["content"],
        json!([{"type": "input_text", "text": "Is this my router?"}])
    );
}

#[test]
fn mcp_items_are_left_out_of_a_beta_response() {
    let done = server(json!({
        "type": "response.done", "event_id": "event_3",
        "response": {"id": "resp_1", "object": "realtime.response", "status": "completed",
            "output": [
                {"type": "mcp_list_tools", "id": "item_l", "server_label": "crm", "tools": []},
                {"type": "message", "id": "item_a", "role": "assistant", "status": "completed",
                 "content": [{"type": "output_text", "text": "Done."}]}
            ]}
    }));
    let written = beta::server_event_to_value(&done).expect("beta has response.done");
    assert_eq!(
        written["response"]["output"],
        json!([{"type": "message", "id": "item_a", "role": "assistant", "status": "completed",
                "content": [{"type": "text", "text": "Done."}]}])
    );
}
