package mcpapp

import "encoding/json"

// Hand-written JSON Schemas (draft 2020-12, what the go-sdk validates).
//
// The go-sdk infers schemas from Go structs, but inferred object schemas
// forbid unknown properties and require every field without omitempty. That
// suits the model-facing tools; it does not suit complete_checkout, which
// ChatGPT's payment sheet calls with whatever its ACP version sends (extra
// fields, nullable buyer fields, the 2026-04-17 PaymentData shape), nor the
// session output, which is an ACP document other hosts read loosely. These
// schemas describe the fields we use and allow everything else.

// completeInputSchema is complete_checkout's input schema. Only
// checkout_session_id and payment_data are required; the token may come as
// payment_data.token (Apps SDK, ACP 2025-09-29) or
// payment_data.instrument.credential.token (ACP 2026-04-17), which the
// handler checks.
const completeInputSchema = `{
  "type": "object",
  "properties": {
    "checkout_session_id": {"type": "string", "description": "The checkout session to pay."},
    "buyer": {
      "type": ["object", "null"],
      "description": "Who pays. Every field is optional.",
      "properties": {
        "first_name": {"type": ["string", "null"]},
        "last_name": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "phone_number": {"type": ["string", "null"]}
      },
      "additionalProperties": true
    },
    "payment_data": {
      "type": "object",
      "description": "The payment credential: {token, provider, billing_address} or ACP 2026-04-17 {handler_id, instrument: {credential: {token}}, billing_address}.",
      "properties": {
        "token": {"type": "string", "description": "One-time payment token from the payment sheet."},
        "provider": {"type": ["string", "null"], "description": "Payment provider slug, e.g. stripe."},
        "billing_address": {"$ref": "#/$defs/address"},
        "handler_id": {"type": ["string", "null"]},
        "instrument": {
          "type": ["object", "null"],
          "properties": {
            "type": {"type": ["string", "null"]},
            "credential": {
              "type": ["object", "null"],
              "properties": {
                "type": {"type": ["string", "null"]},
                "token": {"type": "string"}
              },
              "additionalProperties": true
            }
          },
          "additionalProperties": true
        }
      },
      "additionalProperties": true
    }
  },
  "required": ["checkout_session_id", "payment_data"],
  "additionalProperties": true,
  "$defs": {
    "address": {
      "type": ["object", "null"],
      "properties": {
        "name": {"type": ["string", "null"]},
        "line_one": {"type": ["string", "null"]},
        "line_two": {"type": ["string", "null"]},
        "city": {"type": ["string", "null"]},
        "state": {"type": ["string", "null"]},
        "country": {"type": ["string", "null"]},
        "postal_code": {"type": ["string", "null"]}
      },
      "additionalProperties": true
    }
  }
}`

// sessionOutputSchema describes the checkout tools' structuredContent: an
// ACP 2025-09-29 checkout session as window.openai.requestCheckout takes it
// (see renderSession).
const sessionOutputSchema = `{
  "type": "object",
  "properties": {
    "id": {"type": "string", "description": "Checkout session id."},
    "status": {"type": "string", "description": "not_ready_for_payment, ready_for_payment, completed or canceled."},
    "currency": {"type": "string", "description": "ISO 4217, lower case."},
    "payment_provider": {
      "type": "object",
      "properties": {
        "provider": {"type": "string"},
        "merchant_id": {"type": "string"},
        "supported_payment_methods": {"type": "array"}
      },
      "required": ["provider", "supported_payment_methods"]
    },
    "payment_mode": {"enum": ["test", "live"]},
    "line_items": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "id": {"type": "string"},
          "name": {"type": "string"},
          "item": {"type": "object", "properties": {"id": {"type": "string"}, "quantity": {"type": "integer"}}},
          "base_amount": {"type": "integer"},
          "discount": {"type": "integer"},
          "subtotal": {"type": "integer"},
          "tax": {"type": "integer"},
          "total": {"type": "integer"}
        }
      }
    },
    "fulfillment_address": {"type": "object"},
    "fulfillment_options": {"type": "array", "items": {"type": "object"}},
    "fulfillment_option_id": {"type": "string"},
    "totals": {
      "type": "array",
      "description": "Amounts in integer minor units; exactly one of type total.",
      "items": {
        "type": "object",
        "properties": {"type": {"type": "string"}, "display_text": {"type": "string"}, "amount": {"type": "integer"}},
        "required": ["type", "amount"]
      }
    },
    "messages": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "type": {"enum": ["info", "error"]},
          "code": {"type": "string"},
          "param": {"type": "string"},
          "content_type": {"type": "string"},
          "content": {"type": "string"}
        },
        "required": ["type", "content"]
      }
    },
    "links": {"type": "array", "items": {"type": "object"}},
    "continue_url": {"type": "string", "description": "Hosted checkout page for this session."},
    "order": {
      "type": "object",
      "properties": {"id": {"type": "string"}, "checkout_session_id": {"type": "string"}, "permalink_url": {"type": "string"}},
      "required": ["id", "checkout_session_id", "permalink_url"]
    }
  },
  "required": ["id", "status", "currency", "payment_provider", "payment_mode", "line_items", "totals", "fulfillment_options", "messages", "links", "continue_url"],
  "additionalProperties": true
}`

// schema returns a schema constant as a value for mcp.Tool.
func schema(s string) json.RawMessage { return json.RawMessage(s) }
