// Package acp20250929 is the wire codec of ACP checkout version 2025-09-29,
// the version ChatGPT Instant Checkout launched with. It translates request
// bodies into commerce inputs and commerce views into session JSON, and
// does nothing else: no I/O, no business rules, no error responses (the
// transport writes flat errors).
//
// Decoding is strict about JSON types and the fields that matter (item ids,
// quantities, address lines, the payment token) and lenient elsewhere:
// unknown fields are ignored, currency case does not matter, a quantity of
// 2.0 is 2, payment_data.provider may be any string (the core charges
// through the handler it names, by id or PSP, if the session offers one,
// and answers invalid otherwise), and buyer fields are
// not required (the domain checks the email). Every decode error is a
// *commerce.Error with Code EINVALID and a JSONPath Param naming the
// offending field in the 2025-09-29 request, or "$" for malformed JSON.
//
// Encoding emits exactly what the 2025-09-29 JSON Schema allows:
//   - statuses outside the version's enum are mapped: authentication_required
//     becomes ready_for_payment (the requires_3ds message explains it) and
//     expired becomes canceled;
//   - message codes outside the enum are mapped (quantity_exceeded becomes
//     out_of_stock, anything else unknown becomes invalid), warnings become
//     info messages, and 2026-04-17 parameter paths are rewritten to this
//     version's fields or dropped when the field does not exist here;
//   - payment_provider declares the default payment handler of the
//     session's mode: {"provider":"stripe","supported_payment_methods":
//     ["card"]} for Stripe and the sandbox ("stripe" is the only value the
//     schema allows, so the sandbox declares it too, and a complete naming
//     stripe pays a sandbox session with the sandbox), and for Braintree
//     {"provider":"braintree", its methods}, as PayPal documents for
//     ChatGPT, outside the schema's enum;
//   - buyer is emitted only when first name, last name and email are known,
//     which the schema requires.
//
// It imports only commerce, acp/acpjson and the standard library
// (internal/deptest checks it).
package acp20250929
