// Package acp20260417 is the wire codec of ACP checkout version
// 2026-04-17, the newest stable version. It translates request bodies into
// commerce inputs and commerce views into session JSON, and does nothing
// else: no I/O, no business rules, no error responses (the transport
// writes flat errors).
//
// Decoding is strict about JSON types and the fields that matter and
// lenient where the spec is broken or vague:
//   - line items may carry quantity (spec bug #264: the schema forbids it,
//     every example sends it); it defaults to 1 and must be a whole number
//     ≥ 1 (2.0 is accepted). Item name and unit_amount are ignored: the
//     server prices from its catalog only;
//   - capabilities may be missing; unknown intervention values are
//     ignored;
//   - payment_data.handler_id is passed to the core, which charges through
//     that handler only if the session offers it (400 invalid otherwise);
//     instrument/credential types are not checked, the credential token
//     is what gets charged;
//   - authentication_result.outcome_details is read as far as it goes (the
//     spec's own denied example omits required fields);
//   - an intent_trace on cancel must be well-formed, but any reason_code
//     is accepted;
//   - discounts.codes, or the deprecated coupons when discounts is absent,
//     sets the coupon codes; a present but empty array clears them.
//
// Every decode error is a *commerce.Error with Code EINVALID and a
// JSONPath Param into the 2026-04-17 request, or "$" for malformed JSON.
//
// Encoding emits only what the 2026-04-17 JSON Schema allows: documented
// statuses, message codes from the schema's enums (unknown error codes
// become invalid, unknown warnings become info), capabilities with one
// tokenized-card payment handler per handler the session offers (the
// enabled ones of its mode: id, psp, config.environment, merchant_id and
// supported_payment_methods in the PSP's shape) and the intersection of
// interventions,
// the discount extension only when the session has coupon codes (an empty
// extensions array would fail the schema's oneOf), and
// authentication_metadata whenever the status is authentication_required.
//
// It imports only commerce, acp/acpjson and the standard library
// (internal/deptest checks it).
package acp20260417
